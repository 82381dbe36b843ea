using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Learning.Grades;

public static class GradeExtensions
{
    /// <summary>Stored scores kept current by the grade engine, and the grade-change history (docs/grade-engine.md).</summary>
    public static IServiceCollection AddGrades(this IServiceCollection services)
    {
        services.AddScoped<GradeInputs>();
        services.AddScoped<ScoreKeeper>();
        services.AddScoped<ScoreRefresh>();
        services.AddScoped<GradeChangeLog>();
        services.AddScoped<GradeAccess>();
        services.AddScoped<GradingPolicies>();
        services.AddScoped<GradingSchemes>();
        services.AddScoped<GradingPeriods>();
        services.AddScoped<StudentGrades>();
        return services;
    }
}
