using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LmsCloud.Core.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace LmsCloud.Core.Compliance.Signing;

/// <summary>One platform signing key as configured (<c>Auth:SigningKeys:n:KeyId</c>, <c>…:Pem</c>), the same keys the token server uses.</summary>
public sealed record PlatformKey(string KeyId, ECDsa Key, bool HasPrivateKey);

/// <summary>
/// The platform's ES256 signing keys, loaded once for everything compliance signs: deletion certificates
/// (<see cref="Sign"/>, <see cref="Verify"/>) and export manifests (<see cref="Export.PlatformKeys"/> over <see cref="Keys"/>).
/// The keys are the token server's <c>Auth:SigningKeys</c> (the first key with a private part signs; every key checks);
/// when none are configured and a development key is allowed, the data folder's <c>signing-key.json</c>, in the API's
/// format and created here when missing, so the API and <c>lms</c> sign and check alike.
/// </summary>
/// <remarks>
/// A signed document is <c>{"&lt;name&gt;": {...}, "signature": {"alg": "ES256", "kid": ..., "value": base64url}}</c>.
/// The signature covers the exact UTF-8 bytes of the named member's value as they stand in the file, so nothing is
/// re-serialised to check it and any changed byte inside it is caught.
/// </remarks>
public sealed class PlatformSigner
{
    public const string Algorithm = "ES256";

    readonly IReadOnlyList<PlatformKey> _keys;

    public PlatformSigner(IReadOnlyList<PlatformKey> keys) => _keys = keys;

    /// <summary>For <c>lms</c>: the configured keys, else the development key.</summary>
    public PlatformSigner(IConfiguration configuration) : this(LoadKeys(configuration, allowDevelopmentKey: true))
    {
    }

    /// <summary>For the API (chosen by dependency injection): the development key only in the Development environment.</summary>
    public PlatformSigner(IConfiguration configuration, IHostEnvironment environment)
        : this(LoadKeys(configuration, allowDevelopmentKey: environment.IsDevelopment()))
    {
    }

    /// <summary>Every key in configuration order; the first with a private part signs, every one verifies.</summary>
    public IReadOnlyList<PlatformKey> Keys => _keys;

    /// <summary>
    /// The keys of <c>Auth:SigningKeys</c>; when none are configured and <paramref name="allowDevelopmentKey"/>, the
    /// development key file (<c>signing-key.json</c> in the data folder), created when missing; else none (signing then fails, naming the setting).
    /// </summary>
    public static IReadOnlyList<PlatformKey> LoadKeys(IConfiguration configuration, bool allowDevelopmentKey)
    {
        var configured = configuration.GetSection("Auth:SigningKeys").GetChildren()
            .Select(k => (KeyId: k["KeyId"] ?? "", Pem: k["Pem"] ?? ""))
            .Where(k => !string.IsNullOrWhiteSpace(k.Pem)).ToList();
        if (configured.Count == 0 && allowDevelopmentKey) configured = [DevelopmentKey(DataFolder.Resolve(configuration))];
        return [.. configured.Select(k =>
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(k.Pem);
            return new PlatformKey(k.KeyId, ecdsa, HasPrivateKey(ecdsa));
        })];
    }

    /// <summary>The key that signs: the first with a private part.</summary>
    public PlatformKey Signer => _keys.FirstOrDefault(k => k.HasPrivateKey)
        ?? throw new InvalidOperationException("No platform signing key: configure Auth:SigningKeys (KeyId, Pem) as for the token server.");

    static bool HasPrivateKey(ECDsa key)
    {
        try { key.ExportParameters(includePrivateParameters: true); return true; }
        catch (CryptographicException) { return false; }
    }

    /// <summary>The document <c>{name: content, signature}</c>, indented, signed with the first private key.</summary>
    public string Sign(string name, JsonNode content)
    {
        var (keyId, key, _) = Signer;
        var body = content.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var signature = key.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var signatureJson = JsonSerializer.Serialize(new { alg = Algorithm, kid = keyId, value = Base64Url.EncodeToString(signature) });
        return $"{{\n\"{name}\": {body},\n\"signature\": {signatureJson}\n}}\n";
    }

    /// <summary>Null when <paramref name="document"/> is intact and signed by a platform key, else the first problem, in words.</summary>
    public string? Verify(string name, byte[] document, out JsonElement content)
    {
        content = default;
        JsonDocument parsed;
        try { parsed = JsonDocument.Parse(document); }
        catch (JsonException e) { return $"not a JSON document: {e.Message}"; }
        using (parsed)
        {
            if (parsed.RootElement.ValueKind != JsonValueKind.Object || !parsed.RootElement.TryGetProperty(name, out var body) || body.ValueKind != JsonValueKind.Object)
                return $"no \"{name}\" object: not a signed {name}";
            if (!parsed.RootElement.TryGetProperty("signature", out var signature) || signature.ValueKind != JsonValueKind.Object)
                return "no \"signature\": the document is not signed";
            if (!signature.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || alg.GetString() != Algorithm)
                return $"the signature's algorithm is not {Algorithm}";
            var keyId = signature.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String ? kid.GetString() : null;
            var key = _keys.FirstOrDefault(k => k.KeyId == keyId)?.Key;
            if (key == null) return $"signed with key '{keyId}', which is not one of the platform's signing keys";
            byte[] value;
            try { value = Base64Url.DecodeFromChars(signature.GetProperty("value").GetString() ?? ""); }
            catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException) { return "the signature's value is not base64url"; }
            if (!key.VerifyData(MemberBytes(document, name), value, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
                return $"the signature does not match: the {name} was changed after it was signed";
            content = body.Clone();
            return null;
        }
    }

    /// <summary>The exact bytes of the value of the top-level member <paramref name="name"/>.</summary>
    static byte[] MemberBytes(byte[] document, string name)
    {
        var reader = new Utf8JsonReader(document);
        reader.Read(); // the root object
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var found = reader.ValueTextEquals(name);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (found) return document[start..(int)reader.BytesConsumed];
        }
        return [];
    }

    static (string KeyId, string Pem) DevelopmentKey(string dataFolder)
    {
        // The same file and format as the API's SigningKeys in Development, so the CLI and the API sign alike.
        var path = Path.Combine(dataFolder, "signing-key.json");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(dataFolder);
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var created = new JsonObject
            {
                ["KeyId"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant(), ["Pem"] = ecdsa.ExportPkcs8PrivateKeyPem(),
            };
            File.WriteAllText(path, created.ToJsonString());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var file = JsonSerializer.Deserialize<JsonObject>(File.ReadAllText(path))!;
        return ((string?)file["KeyId"] ?? "", (string?)file["Pem"] ?? "");
    }
}
