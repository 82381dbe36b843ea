using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using LmsCloud.Core.Database;
using Microsoft.Extensions.Configuration;

namespace LmsCloud.Core.Compliance.Export;

/// <summary>One platform signing key as configured (<c>Auth:SigningKeys:n:KeyId</c>, <c>…:Pem</c>), the same keys the token server uses.</summary>
public sealed record PlatformKey(string KeyId, ECDsa Key, bool HasPrivateKey);

/// <summary>
/// <c>manifest.sig</c>: a detached ES256 signature over the exact bytes of <c>manifest.json</c>, the key id, and the
/// public key as a JWK for readers outside the platform. <c>lms compliance verify-export</c> trusts only the platform's
/// configured keys (found by <see cref="KeyId"/>), never the JWK the file brings along.
/// </summary>
public sealed record ManifestSignature(
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("kid")] string KeyId,
    [property: JsonPropertyName("signature")] string Signature,
    [property: JsonPropertyName("jwk")] Dictionary<string, string> Jwk);

/// <summary>The platform's ES256 keys for signing export manifests (and checking them offline).</summary>
public sealed class PlatformKeys
{
    public const string Algorithm = "ES256";

    PlatformKeys(IReadOnlyList<PlatformKey> keys) => All = keys;

    /// <summary>Every configured key in configuration order; the first with a private part signs, every one verifies.</summary>
    public IReadOnlyList<PlatformKey> All { get; }

    /// <summary>
    /// The keys of <c>Auth:SigningKeys</c>; when none are configured and <paramref name="allowDevelopmentKey"/>, the
    /// development key file the API generates (<c>signing-key.json</c> in the data folder), created here when missing.
    /// </summary>
    public static PlatformKeys FromConfiguration(IConfiguration configuration, bool allowDevelopmentKey)
    {
        var configured = configuration.GetSection("Auth:SigningKeys").GetChildren()
            .Select(k => (KeyId: k["KeyId"] ?? "", Pem: k["Pem"] ?? ""))
            .Where(k => !string.IsNullOrWhiteSpace(k.Pem)).ToList();
        if (configured.Count == 0)
        {
            if (!allowDevelopmentKey) throw new InvalidOperationException("Auth:SigningKeys is not configured: exports cannot be signed.");
            configured = [DevelopmentKey(DataFolder.Resolve(configuration))];
        }
        return new PlatformKeys(configured.Select(k =>
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(k.Pem);
            var hasPrivate = true;
            try { ecdsa.ExportParameters(includePrivateParameters: true); }
            catch (CryptographicException) { hasPrivate = false; }
            return new PlatformKey(k.KeyId, ecdsa, hasPrivate);
        }).ToList());
    }

    public PlatformKey Signer => All.FirstOrDefault(k => k.HasPrivateKey) ?? throw new InvalidOperationException("No signing key has a private part.");

    public ManifestSignature Sign(ReadOnlySpan<byte> manifest)
    {
        var key = Signer;
        var signature = key.Key.SignData(manifest, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var p = key.Key.ExportParameters(includePrivateParameters: false);
        return new ManifestSignature(Algorithm, key.KeyId, Base64Url(signature), new Dictionary<string, string>
        {
            ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = key.KeyId, ["use"] = "sig", ["alg"] = Algorithm,
            ["x"] = Base64Url(p.Q.X!), ["y"] = Base64Url(p.Q.Y!),
        });
    }

    /// <summary>Null when the signature is the platform's over these bytes, else what is wrong.</summary>
    public string? Verify(ReadOnlySpan<byte> manifest, ManifestSignature signature)
    {
        if (signature.Algorithm != Algorithm) return $"signature: algorithm {signature.Algorithm}, expected {Algorithm}";
        var key = All.FirstOrDefault(k => k.KeyId == signature.KeyId);
        if (key == null) return $"signature: key '{signature.KeyId}' is not one of the platform's keys";
        byte[] bytes;
        try { bytes = FromBase64Url(signature.Signature); }
        catch (FormatException) { return "signature: not base64url"; }
        return key.Key.VerifyData(manifest, bytes, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? null
            : $"signature: does not match manifest.json (key '{key.KeyId}')";
    }

    static (string KeyId, string Pem) DevelopmentKey(string dataFolder)
    {
        // The same file and format as the API's SigningKeys in Development, so the CLI and the API sign alike.
        var path = Path.Combine(dataFolder, "signing-key.json");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(dataFolder);
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var created = new DevelopmentKeyFile
            {
                KeyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant(), Pem = ecdsa.ExportPkcs8PrivateKeyPem(),
            };
            File.WriteAllText(path, JsonSerializer.Serialize(created));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var file = JsonSerializer.Deserialize<DevelopmentKeyFile>(File.ReadAllText(path))!;
        return (file.KeyId, file.Pem);
    }

    sealed class DevelopmentKeyFile
    {
        public string KeyId { get; set; } = "";
        public string Pem { get; set; } = "";
    }

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
