using LmsCloud.Core.Sso;

namespace LmsCloud.Api.Sso;

public static class SsoExtensions
{
    /// <summary>District single sign-on: identity providers per district, the code flow against them, linking (docs/security.md).</summary>
    public static IServiceCollection AddDistrictSso(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Sso");
        services.Configure<SsoOptions>(section);
        services.AddHttpClient(OidcCodeFlowClient.HttpClientName, client =>
            client.Timeout = section.GetValue<TimeSpan?>(nameof(SsoOptions.ProviderTimeout)) ?? new SsoOptions().ProviderTimeout);
        services.AddSingleton<OidcCodeFlowClient>();
        services.AddSingleton<ProviderSecrets>();
        services.AddScoped<SsoMatching>();
        services.AddScoped<IdentityProviders>();
        return services;
    }

    public static IEndpointRouteBuilder MapSsoEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapIdentityProviderEndpoints();
        app.MapSsoSignInEndpoints();
        return app;
    }
}
