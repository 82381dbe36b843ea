using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Tokens;

namespace LmsCloud.Api.Sso;

/// <summary>
/// One sign-in in progress: what the callback must find again (state, nonce, PKCE verifier, provider, where to go
/// after). It travels in a cookie of the district's host, encrypted and signed with Data Protection under a purpose
/// naming the district, and expires after <see cref="SsoOptions.FlowLifetime"/>: another district's host, an edited
/// cookie or an old one cannot be read back.
/// </summary>
public sealed record SsoFlow(Guid ProviderId, string State, string Nonce, string CodeVerifier, string ReturnUrl)
{
    public const string CookieName = "lms_sso_flow";
    const string Purpose = "LmsCloud.Sso.Flow.v1";

    public static SsoFlow Start(Guid providerId, string returnUrl) =>
        new(providerId, Random(), Random(), Random(), returnUrl);

    static string Random() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public string Protect(IDataProtectionProvider protection, Guid tenantId, TimeSpan lifetime) =>
        Protector(protection, tenantId).Protect(JsonSerializer.Serialize(this), lifetime);

    /// <summary>The flow the cookie holds, or null when it is missing, expired, edited or another district's.</summary>
    public static SsoFlow? Read(IDataProtectionProvider protection, Guid tenantId, string? cookie)
    {
        if (string.IsNullOrEmpty(cookie)) return null;
        try
        {
            return JsonSerializer.Deserialize<SsoFlow>(Protector(protection, tenantId).Unprotect(cookie, out _));
        }
        catch (Exception e) when (e is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    static ITimeLimitedDataProtector Protector(IDataProtectionProvider protection, Guid tenantId) =>
        protection.CreateProtector(Purpose, tenantId.ToString()).ToTimeLimitedDataProtector();
}
