using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Learning.Grades;

public static class GradeExtensions
{
    /// <summary>Stored scores kept current by the grade engine, and the grade-change history (docs/grade-engine.md).</summary>
    public static IServiceCollection AddGrades(this IServiceCollection services)
    {
        services.AddScoped<GradeInputs>();
        services.AddScoped<ScoreKeeper>();
        services.AddScoped<GradeChangeLog>();
        return services;
    }
}
