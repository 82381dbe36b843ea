using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LmsCloud.Core.Tenancy;

public static class TenancyExtensions
{
    /// <summary>The current district (flowing with the call chain) and the district store with its change listener.</summary>
    public static IServiceCollection AddTenancy(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IMultiTenantContextAccessor<District>, AsyncLocalMultiTenantContextAccessor<District>>();
        services.AddSingleton<DistrictStore>();
        services.AddSingleton<IMultiTenantStore<District>>(sp => sp.GetRequiredService<DistrictStore>());
        services.AddHostedService<TenantChangeListener>();
        return services;
    }
}
