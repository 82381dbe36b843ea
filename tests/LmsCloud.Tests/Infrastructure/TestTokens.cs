using System.Security.Cryptography;
using LmsCloud.Api.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>Access tokens made by the test itself, to check what the API accepts.</summary>
public static class TestTokens
{
    public static string Sign(SigningKeyOptions key, Guid tenantId, Guid subject, string[] roles, TimeSpan? lifetime = null)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(key.Pem);
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "lmscloud",
            Audience = "lmscloud-api",
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(5)),
            Claims = new Dictionary<string, object> { ["sub"] = subject.ToString(), ["tid"] = tenantId.ToString(), ["role"] = roles },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = key.KeyId }, SigningKeys.Algorithm),
        });
    }
}
