using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using CsvHelper;

namespace LmsCloud.Core.Compliance.Export;

/// <summary>The outcome of checking an export: intact (<see cref="Problem"/> null, <see cref="Files"/> checked), or the first problem.</summary>
public sealed record ExportVerification(string? Problem, int Files)
{
    public bool Ok => Problem == null;
}

/// <summary>
/// Checks an export zip offline, as <c>lms compliance verify-export</c> does: the signature of <c>manifest.json</c> by
/// one of the platform's keys, then for every file the manifest lists its presence, byte count, SHA-256 and record count
/// (JSON: the array's elements, or the dictionary's tables; CSV: the records after the header), and no file it does not list.
/// Streams each file once; nothing is held in memory whole.
/// </summary>
public static class ExportVerifier
{
    public static async Task<ExportVerification> VerifyAsync(string zipPath, PlatformKeys keys, CancellationToken ct = default)
    {
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(zipPath); }
        catch (Exception e) when (e is InvalidDataException or IOException) { return new($"not a readable zip: {e.Message}", 0); }
        using (zip)
        {
            var manifestEntry = zip.GetEntry(ExportLayout.Manifest);
            if (manifestEntry == null) return new("missing file: manifest.json", 0);
            var signatureEntry = zip.GetEntry(ExportLayout.Signature);
            if (signatureEntry == null) return new("missing file: manifest.sig", 0);
            byte[] manifestBytes;
            ManifestSignature? signature;
            try
            {
                manifestBytes = await ReadAllAsync(manifestEntry, ct);
                signature = JsonSerializer.Deserialize<ManifestSignature>(await ReadAllAsync(signatureEntry, ct));
            }
            catch (Exception e) when (e is InvalidDataException or JsonException) { return new($"manifest.sig: unreadable ({e.Message})", 0); }
            if (signature == null) return new("manifest.sig: empty", 0);
            if (keys.Verify(manifestBytes, signature) is { } bad) return new(bad, 0);

            List<ManifestFile> files;
            try
            {
                using var manifest = JsonDocument.Parse(manifestBytes);
                files = manifest.RootElement.GetProperty("files").Deserialize<List<ManifestFile>>() ?? [];
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return new($"manifest.json: unreadable ({e.Message})", 0);
            }

            foreach (var file in files)
            {
                var entry = zip.GetEntry(file.Path);
                if (entry == null) return new($"missing file: {file.Path}", files.Count);
                string sha;
                long bytes;
                try { (sha, bytes) = await HashAsync(entry, ct); }
                catch (InvalidDataException e) { return new($"{file.Path}: unreadable in the zip ({e.Message})", files.Count); }
                if (bytes != file.Bytes) return new($"byte count of {file.Path}: {bytes}, the manifest says {file.Bytes}", files.Count);
                if (!string.Equals(sha, file.Sha256, StringComparison.OrdinalIgnoreCase))
                    return new($"hash of {file.Path}: SHA-256 {sha}, the manifest says {file.Sha256}", files.Count);
                if (await CountRecordsAsync(entry, ct) is { } records && records != file.Records)
                    return new($"record count of {file.Path}: {records}, the manifest says {file.Records}", files.Count);
            }
            var listed = files.Select(f => f.Path).Append(ExportLayout.Manifest).Append(ExportLayout.Signature).ToHashSet(StringComparer.Ordinal);
            if (zip.Entries.FirstOrDefault(e => !listed.Contains(e.FullName)) is { } extra)
                return new($"extra file: {extra.FullName} is not in the manifest", files.Count);
            return new(null, files.Count);
        }
    }

    static async Task<byte[]> ReadAllAsync(ZipArchiveEntry entry, CancellationToken ct)
    {
        await using var stream = entry.Open();
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory, ct);
        return memory.ToArray();
    }

    static async Task<(string Sha256, long Bytes)> HashAsync(ZipArchiveEntry entry, CancellationToken ct)
    {
        await using var stream = entry.Open();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }

    /// <summary>Records by the file's kind; null for a file whose records are not counted (index.html).</summary>
    static async Task<long?> CountRecordsAsync(ZipArchiveEntry entry, CancellationToken ct)
    {
        if (entry.FullName.EndsWith(".csv", StringComparison.Ordinal))
        {
            await using var reader = CsvReader.Create(entry.Open(), new CsvReaderOptions { Separator = ',' });
            long rows = 0;
            while (await reader.ReadAsync(ct)) rows++;
            return rows; // the reader takes the first row as the header
        }
        if (entry.FullName == "data-dictionary.json")
        {
            await using var stream = entry.Open();
            using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
            return doc.RootElement.GetProperty("tables").GetArrayLength();
        }
        if (entry.FullName.EndsWith(".json", StringComparison.Ordinal))
            return await CountArrayAsync(entry, ct);
        return null;
    }

    /// <summary>The elements of a top-level JSON array, read in chunks (a district's table can be large).</summary>
    static async Task<long> CountArrayAsync(ZipArchiveEntry entry, CancellationToken ct)
    {
        await using var stream = entry.Open();
        var buffer = new byte[65536];
        var state = new JsonReaderState();
        int kept = 0;
        long count = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(kept), ct);
            var final = read == 0;
            var reader = new Utf8JsonReader(buffer.AsSpan(0, kept + read), final, state);
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray)) count++;
            }
            if (final) return count;
            state = reader.CurrentState;
            var consumed = (int)reader.BytesConsumed;
            kept = kept + read - consumed;
            Buffer.BlockCopy(buffer, consumed, buffer, 0, kept);
            if (kept == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2); // one value longer than the buffer
        }
    }
}
