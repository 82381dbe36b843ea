using System.Security.Cryptography;
using System.Text.Json;
using LmsCloud.Core.Database;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace LmsCloud.Api.Auth;

/// <summary>
/// The ES256 keys tokens are signed and validated with. Production keys come from <c>Auth:SigningKeys</c>; in
/// Development, when none are configured, one key is generated on first run into the data folder and reused.
/// </summary>
public sealed class SigningKeys
{
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;

    public SigningKeys(IOptions<AuthOptions> options, IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = options.Value.SigningKeys.Where(k => !string.IsNullOrWhiteSpace(k.Pem)).ToList();
        if (configured.Count == 0)
        {
            if (!environment.IsDevelopment())
                throw new InvalidOperationException("Auth:SigningKeys is not configured: give at least one ES256 key (KeyId, Pem).");
            configured = [DevelopmentKey(DataFolder.Resolve(configuration))];
        }

        var keys = configured.Select(k =>
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(k.Pem);
            return new ECDsaSecurityKey(ecdsa) { KeyId = k.KeyId };
        }).ToList();
        if (keys[0].PrivateKeyStatus == PrivateKeyStatus.DoesNotExist)
            throw new InvalidOperationException($"Signing key '{keys[0].KeyId}' has no private part; the first key signs.");
        All = keys;
        Signing = new SigningCredentials(keys[0], Algorithm);
    }

    public SigningCredentials Signing { get; }
    public IReadOnlyList<SecurityKey> All { get; }

    /// <summary>A new P-256 key in PEM with a random key id (for configuration, and for tests).</summary>
    public static SigningKeyOptions Generate()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new SigningKeyOptions { KeyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant(), Pem = ecdsa.ExportPkcs8PrivateKeyPem() };
    }

    static SigningKeyOptions DevelopmentKey(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "signing-key.json");
        if (File.Exists(path)) return JsonSerializer.Deserialize<SigningKeyOptions>(File.ReadAllText(path))!;
        Directory.CreateDirectory(dataDirectory);
        var key = Generate();
        File.WriteAllText(path, JsonSerializer.Serialize(key));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }
}
