using LmsCloud.Core.Compliance.Certificates;
using LmsCloud.Core.Compliance.Erasure;
using LmsCloud.Core.Compliance.Holds;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LmsCloud.Core.Compliance.Retention;

public static class RetentionExtensions
{
    /// <summary>Legal holds, retention policies and runs. The erasure and certificates they call are the erasure piece's (TryAdd: its registration wins).</summary>
    public static IServiceCollection AddHoldsAndRetention(this IServiceCollection services)
    {
        services.TryAddScoped<PersonErasure>();
        services.TryAddScoped<DeletionCertificates>();
        return services.AddScoped<LegalHolds>().AddScoped<RetentionPolicies>().AddScoped<RetentionRuns>();
    }
}
