using LmsCloud.Core.Sso;
using Microsoft.AspNetCore.DataProtection;

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
        services.AddSingleton<IProviderSecretProtector>(sp => sp.GetRequiredService<ProviderSecrets>());
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

/// <summary>
/// Client secrets of identity providers, encrypted at rest with ASP.NET Core Data Protection. The purpose names the
/// district, so a ciphertext copied into another district's row does not decrypt there. The keys are the API's Data
/// Protection keys, the key ring browser sessions keep in PostgreSQL (BrowserSessions, migration 0012) and every node
/// shares; losing it means re-entering each provider's secret.
/// </summary>
public sealed class ProviderSecrets(IDataProtectionProvider protection) : IProviderSecretProtector
{
    const string Purpose = "LmsCloud.Sso.ClientSecret.v1";

    public string Protect(Guid tenantId, string secret) => protection.CreateProtector(Purpose, tenantId.ToString()).Protect(secret);

    public string Unprotect(Guid tenantId, string ciphertext) => protection.CreateProtector(Purpose, tenantId.ToString()).Unprotect(ciphertext);
}
