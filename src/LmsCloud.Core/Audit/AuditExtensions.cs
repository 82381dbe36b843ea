using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LmsCloud.Core.Audit;

public static class AuditExtensions
{
    /// <summary>The audit log, and an empty <see cref="AuditContext"/> that a host replaces with its own (the API: the request's).</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.TryAddScoped<AuditContext>();
        services.AddScoped<AuditLog>();
        return services;
    }
}
