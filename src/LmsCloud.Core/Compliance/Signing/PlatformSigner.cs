using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LmsCloud.Core.Database;
using Microsoft.Extensions.Configuration;

namespace LmsCloud.Core.Compliance.Signing;

/// <summary>
/// Signs and checks compliance documents (deletion certificates) with the platform's ES256 keys, the token server's
/// <c>Auth:SigningKeys</c> (the first key with a private part signs; every key checks), else, as in development, the
/// data folder's <c>signing-key.json</c>. The API and <c>lms</c> read the same configuration, so <c>lms</c> checks
/// offline what the API signed.
/// </summary>
/// <remarks>
/// A signed document is <c>{"&lt;name&gt;": {...}, "signature": {"alg": "ES256", "kid": ..., "value": base64url}}</c>.
/// The signature covers the exact UTF-8 bytes of the named member's value as they stand in the file, so nothing is
/// re-serialised to check it and any changed byte inside it is caught.
/// </remarks>
public sealed class PlatformSigner
{
    public const string Algorithm = "ES256";

    readonly List<(string KeyId, ECDsa Key)> _keys;

    public PlatformSigner(IConfiguration configuration)
    {
        var configured = configuration.GetSection("Auth:SigningKeys").GetChildren()
            .Select(k => (KeyId: k["KeyId"], Pem: k["Pem"]))
            .Where(k => !string.IsNullOrWhiteSpace(k.Pem)).ToList();
        if (configured.Count == 0)
        {
            var file = Path.Combine(DataFolder.Resolve(configuration), "signing-key.json");
            if (File.Exists(file))
            {
                var dev = JsonSerializer.Deserialize<JsonObject>(File.ReadAllText(file))!;
                configured.Add(((string?)dev["KeyId"], (string?)dev["Pem"]));
            }
        }
        _keys = [.. configured.Select(k =>
        {
            var key = ECDsa.Create();
            key.ImportFromPem(k.Pem);
            return (k.KeyId ?? "", key);
        })];
    }

    static bool HasPrivateKey(ECDsa key)
    {
        try { key.ExportParameters(includePrivateParameters: true); return true; }
        catch (CryptographicException) { return false; }
    }

    /// <summary>The document <c>{name: content, signature}</c>, indented, signed with the first private key.</summary>
    public string Sign(string name, JsonNode content)
    {
        var (keyId, key) = _keys.FirstOrDefault(k => HasPrivateKey(k.Key));
        if (key == null) throw new InvalidOperationException("No platform signing key: configure Auth:SigningKeys (KeyId, Pem) as for the token server.");
        var body = content.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var signature = key.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var signatureJson = JsonSerializer.Serialize(new { alg = Algorithm, kid = keyId, value = Base64Url(signature) });
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
            var key = _keys.FirstOrDefault(k => k.KeyId == keyId).Key;
            if (key == null) return $"signed with key '{keyId}', which is not one of the platform's signing keys";
            byte[] value;
            try { value = FromBase64Url(signature.GetProperty("value").GetString() ?? ""); }
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

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
