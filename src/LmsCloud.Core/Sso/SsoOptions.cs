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
/// Encrypts an identity provider's client secret for its row. A seam, not a layer: Core references no ASP.NET Core
/// assembly (LmsRuntimeTests), so the API host's <c>ProviderSecrets</c> does it with Data Protection.
/// </summary>
public interface IProviderSecretProtector
{
    string Protect(Guid tenantId, string secret);
}
