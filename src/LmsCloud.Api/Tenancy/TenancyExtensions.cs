using LmsCloud.Core.Tenancy;

namespace LmsCloud.Api.Tenancy;

public static class TenancyExtensions
{
    /// <summary>Resolving the district of a request from its host name (the district store itself comes with AddLmsCore).</summary>
    public static IServiceCollection AddHostTenancy(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<TenancyOptions>(configuration.GetSection("Tenancy"));
        services.AddSingleton<IMultiTenantStrategy, HostStrategy>();
        services.AddSingleton<ITenantResolver<District>, TenantResolver<District>>();
        return services;
    }

    /// <summary>Resolves the district; call after UseRouting (it reads endpoint metadata) and before authentication.</summary>
    public static IApplicationBuilder UseMultiTenant(this IApplicationBuilder app) => app.UseMiddleware<MultiTenantMiddleware>();

    public static TBuilder ExcludeFromMultiTenantResolution<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ExcludeFromMultiTenantResolutionMetadata());
}
