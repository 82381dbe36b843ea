using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Learning.Passback;

public static class PassbackExtensions
{
    /// <summary>Grade passback: the OneRoster 1.2 Gradebook reader, the CSV export with its state, the pre-flight warnings (docs/passback.md).</summary>
    public static IServiceCollection AddPassback(this IServiceCollection services)
    {
        services.AddScoped<GradebookReader>();
        services.AddScoped<PassbackExport>();
        services.AddScoped<PassbackWarnings>();
        return services;
    }
}
