using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Learning.Progress;

public static class ProgressExtensions
{
    /// <summary>Activity, rollup, progress and analytics services (scoped: they work on the request's district context).</summary>
    public static IServiceCollection AddLearningProgress(this IServiceCollection services) => services
        .AddScoped<ActivityLog>()
        .AddScoped<DailyRollup>()
        .AddScoped<ProgressRecorder>()
        .AddScoped<Certificates.CourseCertificates>();
}
