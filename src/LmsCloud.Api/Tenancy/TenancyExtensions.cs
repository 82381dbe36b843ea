namespace LmsCloud.Api.Tenancy;

public static class TenancyExtensions
{
    public static IServiceCollection AddTenancy(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<TenancyOptions>(configuration.GetSection("Tenancy"));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IMultiTenantContextAccessor<District>, AsyncLocalMultiTenantContextAccessor<District>>();
        services.AddSingleton<IMultiTenantStrategy, HostStrategy>();
        services.AddSingleton<DistrictStore>();
        services.AddSingleton<IMultiTenantStore<District>>(sp => sp.GetRequiredService<DistrictStore>());
        services.AddSingleton<ITenantResolver<District>, TenantResolver<District>>();
        services.AddHostedService<TenantChangeListener>();
        return services;
    }

    /// <summary>Resolves the district; call after UseRouting (it reads endpoint metadata) and before authentication.</summary>
    public static IApplicationBuilder UseMultiTenant(this IApplicationBuilder app) => app.UseMiddleware<MultiTenantMiddleware>();

    public static TBuilder ExcludeFromMultiTenantResolution<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ExcludeFromMultiTenantResolutionMetadata());
}
