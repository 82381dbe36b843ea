using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Learning.Gradebook;

public static class GradebookExtensions
{
    /// <summary>The teacher's gradebook grid (docs/grade-engine.md, "Gradebook").</summary>
    public static IServiceCollection AddGradebook(this IServiceCollection services) => services.AddScoped<GradebookReading>();
}
