using System.Security.Cryptography;
using System.Text.Json;
using LmsCloud.Core.Database;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace LmsCloud.Api.Auth;

/// <summary>
/// The keys of the token server. ES256 signing keys come from <c>Auth:SigningKeys</c>, the refresh-token encryption key
/// from <c>Auth:EncryptionKey</c>; in Development, when they are not configured, each is generated on first run into
/// the data folder and reused.
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
            configured = [DevelopmentFile(DataFolder.Resolve(configuration), "signing-key.json", Generate)];
        }

        var keys = configured.Select(k =>
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(k.Pem);
            return new ECDsaSecurityKey(ecdsa) { KeyId = k.KeyId };
        }).ToList();
        if (keys[0].PrivateKeyStatus == PrivateKeyStatus.DoesNotExist)
            throw new InvalidOperationException($"Signing key '{keys[0].KeyId}' has no private part; the first key signs.");
        Signing = keys.Where(k => k.PrivateKeyStatus != PrivateKeyStatus.DoesNotExist).ToList();
        Retired = keys.Where(k => k.PrivateKeyStatus == PrivateKeyStatus.DoesNotExist).ToList();

        var encryption = options.Value.EncryptionKey;
        if (string.IsNullOrWhiteSpace(encryption))
        {
            if (!environment.IsDevelopment())
                throw new InvalidOperationException("Auth:EncryptionKey is not configured: give 32 random bytes in base64 (lms keys or `openssl rand -base64 32`).");
            encryption = DevelopmentFile(DataFolder.Resolve(configuration), "encryption-key.json", NewEncryptionKey);
        }
        var bytes = Convert.FromBase64String(encryption);
        if (bytes.Length != 32) throw new InvalidOperationException("Auth:EncryptionKey must be 32 bytes (256 bits) in base64.");
        Encryption = new SymmetricSecurityKey(bytes);
    }

    /// <summary>Keys with a private part, in configuration order: the first signs, every one validates and is in JWKS.</summary>
    public IReadOnlyList<ECDsaSecurityKey> Signing { get; }

    /// <summary>Retired keys given as public keys only: they validate tokens still in circulation, they never sign.</summary>
    public IReadOnlyList<SecurityKey> Retired { get; }

    public SymmetricSecurityKey Encryption { get; }

    /// <summary>A new P-256 key in PEM with a random key id (for configuration, and for tests).</summary>
    public static SigningKeyOptions Generate()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new SigningKeyOptions { KeyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant(), Pem = ecdsa.ExportPkcs8PrivateKeyPem() };
    }

    /// <summary>A new 256-bit encryption key in base64.</summary>
    public static string NewEncryptionKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    static T DevelopmentFile<T>(string dataDirectory, string name, Func<T> generate)
    {
        var path = Path.Combine(dataDirectory, name);
        if (File.Exists(path)) return JsonSerializer.Deserialize<T>(File.ReadAllText(path))!;
        Directory.CreateDirectory(dataDirectory);
        var key = generate();
        File.WriteAllText(path, JsonSerializer.Serialize(key));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }
}
