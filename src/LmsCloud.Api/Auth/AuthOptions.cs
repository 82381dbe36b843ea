namespace LmsCloud.Api.Auth;

/// <summary>Configuration section <c>Auth</c>: tokens, browser sessions and the sign-in rate limit (account rules: <see cref="LmsCloud.Core.Users.AccountOptions"/>, same section).</summary>
public sealed class AuthOptions
{
    /// <summary>The <c>aud</c> of access tokens. The issuer is each district's own URL (<c>Tenancy</c> settings).</summary>
    public string Audience { get; set; } = "lmscloud-api";
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Token requests allowed per district and client address (IPv6: per /64) per window.</summary>
    public int TokenRequestLimit { get; set; } = 30;

    /// <summary>Token requests allowed per district and user name, and per district and client id, per window.</summary>
    public int TokenRequestLimitPerName { get; set; } = 20;
    public TimeSpan TokenRequestWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A browser session ends after this long without a request (sliding: a request in the second half of the window
    /// renews the cookie). 8 hours: a school day at a classroom computer without signing in again at lunch.
    /// </summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// And after this long from the sign-in whatever the activity: 12 hours, so a session started in the morning never
    /// lasts into the next day on a shared computer left signed in.
    /// </summary>
    public TimeSpan SessionAbsoluteLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>ES256 keys as PEM. The first signs; all validate, so a retired key keeps working until its tokens expire.</summary>
    public List<SigningKeyOptions> SigningKeys { get; set; } = [];

    /// <summary>
    /// 256 random bits, base64: encrypts refresh tokens (JWE). Every node needs the same one; changing it ends every
    /// refresh token (everyone signs in again). Development generates one into the data folder.
    /// </summary>
    public string? EncryptionKey { get; set; }
}

public sealed class SigningKeyOptions
{
    public string KeyId { get; set; } = "";

    /// <summary>A P-256 private key (or, for a retired key, just its public key) in PEM.</summary>
    public string Pem { get; set; } = "";
}
