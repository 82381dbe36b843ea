using Microsoft.AspNetCore.DataProtection;

namespace LmsCloud.Core.Sso;

public sealed class SsoOptions
{
    /// <summary>Discovery, keys and token requests only over HTTPS. Tests turn it off for their provider on 127.0.0.1.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>How long a person has at the provider between leaving and coming back.</summary>
    public TimeSpan FlowLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Backchannel calls to a provider (discovery, keys, code exchange) give up after this long.</summary>
    public TimeSpan ProviderTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Client secrets of identity providers, encrypted at rest with ASP.NET Core Data Protection. The purpose names the
/// district, so a ciphertext copied into another district's row does not decrypt there. The keys are the API's Data
/// Protection keys, the key ring browser sessions keep in PostgreSQL (BrowserSessions, migration 0012) and every node
/// shares; losing it means re-entering each provider's secret.
/// </summary>
public sealed class ProviderSecrets(IDataProtectionProvider protection)
{
    const string Purpose = "LmsCloud.Sso.ClientSecret.v1";

    public string Protect(Guid tenantId, string secret) => protection.CreateProtector(Purpose, tenantId.ToString()).Protect(secret);

    public string Unprotect(Guid tenantId, string ciphertext) => protection.CreateProtector(Purpose, tenantId.ToString()).Unprotect(ciphertext);
}
