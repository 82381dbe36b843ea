using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using LmsCloud.Core.Compliance.Signing;
using Microsoft.Extensions.Configuration;

namespace LmsCloud.Core.Compliance.Export;

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

/// <summary>
/// Signs export manifests (and checks them offline) with the platform's ES256 keys, as loaded by <see cref="PlatformSigner"/>
/// (one loader for everything compliance signs).
/// </summary>
public sealed class PlatformKeys
{
    public const string Algorithm = PlatformSigner.Algorithm;

    PlatformKeys(IReadOnlyList<PlatformKey> keys) => All = keys;

    /// <summary>Every configured key in configuration order; the first with a private part signs, every one verifies.</summary>
    public IReadOnlyList<PlatformKey> All { get; }

    /// <summary>
    /// The keys of <c>Auth:SigningKeys</c>, else, when <paramref name="allowDevelopmentKey"/>, the development key
    /// (<see cref="PlatformSigner.LoadKeys"/>); refused when there is none.
    /// </summary>
    public static PlatformKeys FromConfiguration(IConfiguration configuration, bool allowDevelopmentKey)
    {
        var keys = PlatformSigner.LoadKeys(configuration, allowDevelopmentKey);
        if (keys.Count == 0) throw new InvalidOperationException("Auth:SigningKeys is not configured: exports cannot be signed.");
        return new PlatformKeys(keys);
    }

    public PlatformKey Signer => All.FirstOrDefault(k => k.HasPrivateKey) ?? throw new InvalidOperationException("No signing key has a private part.");

    public ManifestSignature Sign(ReadOnlySpan<byte> manifest)
    {
        var key = Signer;
        var signature = key.Key.SignData(manifest, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var p = key.Key.ExportParameters(includePrivateParameters: false);
        return new ManifestSignature(Algorithm, key.KeyId, Base64Url.EncodeToString(signature), new Dictionary<string, string>
        {
            ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = key.KeyId, ["use"] = "sig", ["alg"] = Algorithm,
            ["x"] = Base64Url.EncodeToString(p.Q.X!), ["y"] = Base64Url.EncodeToString(p.Q.Y!),
        });
    }

    /// <summary>Null when the signature is the platform's over these bytes, else what is wrong.</summary>
    public string? Verify(ReadOnlySpan<byte> manifest, ManifestSignature signature)
    {
        if (signature.Algorithm != Algorithm) return $"signature: algorithm {signature.Algorithm}, expected {Algorithm}";
        var key = All.FirstOrDefault(k => k.KeyId == signature.KeyId);
        if (key == null) return $"signature: key '{signature.KeyId}' is not one of the platform's keys";
        byte[] bytes;
        try { bytes = Base64Url.DecodeFromChars(signature.Signature); }
        catch (FormatException) { return "signature: not base64url"; }
        return key.Key.VerifyData(manifest, bytes, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? null
            : $"signature: does not match manifest.json (key '{key.KeyId}')";
    }
}
