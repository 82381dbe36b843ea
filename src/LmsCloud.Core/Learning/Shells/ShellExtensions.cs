using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Learning.Shells;

public static class ShellExtensions
{
    /// <summary>Course shells, their content and who may see them (docs/learning.md).</summary>
    public static IServiceCollection AddCourseShells(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection("Learning").Get<LearningOptions>() ?? new LearningOptions());
        services.AddScoped<ShellAccess>();
        services.AddScoped<ShellReading>();
        services.AddScoped<ShellEditing>();
        services.AddScoped<ContentVersions>();
        return services;
    }
}
