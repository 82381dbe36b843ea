using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Learning.Analytics;

public static class AnalyticsExtensions
{
    /// <summary>Class progress, course and district analytics (scoped: they read on the request's district context).</summary>
    public static IServiceCollection AddLearningAnalytics(this IServiceCollection services) => services
        .AddScoped<ClassProgress>()
        .AddScoped<CourseAnalytics>()
        .AddScoped<DistrictAnalytics>();
}
