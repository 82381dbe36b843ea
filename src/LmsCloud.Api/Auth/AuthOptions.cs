namespace LmsCloud.Api.Auth;

/// <summary>Configuration section <c>Auth</c>: tokens and the sign-in rate limit (account rules: <see cref="LmsCloud.Core.Users.AccountOptions"/>, same section).</summary>
public sealed class AuthOptions
{
    public string Issuer { get; set; } = "lmscloud";
    public string Audience { get; set; } = "lmscloud-api";
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Token requests allowed per district and client address per window.</summary>
    public int TokenRequestLimit { get; set; } = 30;
    public TimeSpan TokenRequestWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>ES256 keys as PEM. The first signs; all validate, so a retired key keeps working until its tokens expire.</summary>
    public List<SigningKeyOptions> SigningKeys { get; set; } = [];
}

public sealed class SigningKeyOptions
{
    public string KeyId { get; set; } = "";

    /// <summary>A P-256 private key (or, for a retired key, just its public key) in PEM.</summary>
    public string Pem { get; set; } = "";
}
