using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Learning.Assignments;

public static class AssignmentExtensions
{
    /// <summary>Assignments, groups and overrides (docs/assignments.md).</summary>
    public static IServiceCollection AddAssignments(this IServiceCollection services)
    {
        services.AddScoped<AssignmentReading>();
        services.AddScoped<AssignmentEditing>();
        return services;
    }
}
