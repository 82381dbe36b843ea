using System.Security.Cryptography;
using LmsCloud.Api.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>Access tokens made by the test itself, to check what the API accepts.</summary>
public static class TestTokens
{
    /// <summary>An access token shaped like the server's: <c>typ at+jwt</c>, the district's issuer (<paramref name="issuerSlug"/>) and audience.</summary>
    public static string Sign(SigningKeyOptions key, string issuerSlug, Guid tenantId, Guid subject, string[] roles, TimeSpan? lifetime = null)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(key.Pem);
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ApiFactory.IssuerOf(issuerSlug),
            TokenType = "at+jwt",
            Audience = "lmscloud-api",
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(5)),
            Claims = new Dictionary<string, object> { ["sub"] = subject.ToString(), ["tid"] = tenantId.ToString(), ["role"] = roles },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = key.KeyId }, SigningKeys.Algorithm),
        });
    }
}
