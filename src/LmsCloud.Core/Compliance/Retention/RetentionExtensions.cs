using LmsCloud.Core.Compliance.Holds;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Compliance.Retention;

public static class RetentionExtensions
{
    /// <summary>Legal holds, retention policies and runs (the erasure and certificates they call are registered by AddErasure).</summary>
    public static IServiceCollection AddHoldsAndRetention(this IServiceCollection services) =>
        services.AddScoped<LegalHolds>().AddScoped<RetentionPolicies>().AddScoped<RetentionRuns>();
}
