using System.Security.Cryptography;
using LmsCloud.Core;
using LmsCloud.Core.Rostering;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace LmsCloud.Web.Imports;

/// <summary>A package stored from an upload: its key, its SHA-256, its size and the name the client gave it.</summary>
public sealed record StoredPackage(string Key, string Sha256, long Length, string? FileName);

/// <summary>Why an upload was refused: the HTTP status, a title and a sentence for the person who sent it.</summary>
public sealed record UploadRefusal(int Status, string Title, string Detail);

/// <summary>
/// Reads the multipart field <c>file</c> of a request straight into storage: streamed section by section (never the
/// whole body in memory, no temporary form files), hashed with SHA-256 while copying, cut off at the size limit, and
/// refused unless it is a zip. A body that ends early (the connection dropped, or no closing boundary) is the client's
/// 400, while a failure to write storage stays ours. Every refusal leaves nothing in storage; the API answers it as a
/// problem document, the upload pages show it on the form. Here in Web (which the API references) rather than in Sis,
/// because it reads HTTP (MultipartReader) and Sis, like lms, must run on the .NET runtime alone.
/// </summary>
public static class PackageUpload
{
    // Room for the multipart boundaries and part headers around the file itself.
    const long MultipartOverhead = 64 * 1024;

    /// <summary>Form fields before the file a page may read (its antiforgery token, a checkbox): how many, how long each.</summary>
    const int MaxFields = 16, MaxFieldLength = 4096;

    /// <param name="beforeFile">
    /// For a browser's form: called with the plain fields that came before the file (the page puts its antiforgery token
    /// and options first), before a byte of the file is stored; a refusal it returns stops the upload. Without it other
    /// fields are ignored (the API).
    /// </param>
    public static async Task<(StoredPackage? Package, UploadRefusal? Refusal)> StoreAsync(HttpRequest request, IFileStorage storage, string key,
        long maxBytes, CancellationToken ct, Func<IReadOnlyDictionary<string, string>, Task<UploadRefusal?>>? beforeFile = null)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) ||
            !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ||
            HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            return (null, new UploadRefusal(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send the package as multipart/form-data with the zip in the field 'file'."));
        if (request.ContentLength > maxBytes + MultipartOverhead) return (null, TooLarge(maxBytes));

        // Kestrel's own limit (30 MB by default) is raised for this request only, to ours plus the multipart framing.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = maxBytes + MultipartOverhead;

        var reader = new MultipartReader(boundary, request.Body);
        while (true)
        {
            MultipartSection? section;
            ContentDispositionHeaderValue? disposition;
            try
            {
                section = await reader.ReadNextSectionAsync(ct);
                if (section == null) break;
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out disposition) ||
                    !disposition.IsFileDisposition() || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, "file", StringComparison.Ordinal))
                {
                    if (beforeFile != null && disposition is { } field && field.IsFormDisposition() && fields.Count < MaxFields &&
                        HeaderUtilities.RemoveQuotes(field.Name).Value is { } name)
                    {
                        var value = await ReadFieldAsync(section.Body, ct);
                        if (value != null) fields[name] = value;
                    }
                    else await section.Body.DrainAsync(ct); // other fields are ignored
                    continue;
                }
            }
            catch (Exception e) when (IsCutOff(e))
            {
                return (null, Incomplete());
            }
            if (beforeFile != null && await beforeFile(fields) is { } refusedByCaller) return (null, refusedByCaller);

            var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
            if (fileName != null && TextRules.HasControlCharacters(fileName)) // it becomes the run's package_name, text
                return (null, new UploadRefusal(StatusCodes.Status400BadRequest, "Bad file name",
                    "The file name may not contain control characters (such as NUL)."));
            await using var checkedStream = new CheckedUploadStream(section.Body, maxBytes);
            try
            {
                await storage.SaveAsync(key, checkedStream, ct);
            }
            catch (Exception e) when (e is UploadTooLargeException || e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return (null, TooLarge(maxBytes)); // ours, or Kestrel's limit on the whole body (a chunked upload)
            }
            catch (NotAZipException)
            {
                return (null, NotAZip());
            }
            catch (UploadCutOffException)
            {
                return (null, Incomplete());
            }

            // The signature said zip; the package check (the one the inbox and the engine use too) says it is a whole one
            // within the caps, so a zip bomb is refused here rather than by a failed run.
            if (PackageCheck.Check(await storage.GetLocalPathAsync(key, ct)) is { } refused)
            {
                await storage.DeleteAsync(key, ct);
                return (null, refused == PackageCheck.NotAZip ? NotAZip() : Refused(refused));
            }
            return (new StoredPackage(key, checkedStream.Sha256(), checkedStream.Length, Path.GetFileName(fileName)), null);
        }
        return (null, new UploadRefusal(StatusCodes.Status400BadRequest, "No package", "The multipart field 'file' with the zip is missing."));
    }

    /// <summary>A short text field (UTF-8), or null when it is longer than <see cref="MaxFieldLength"/> (then ignored).</summary>
    static async Task<string?> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxFieldLength)
            {
                await body.DrainAsync(ct);
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// Reading the request failed on the client's side: the body ended before the closing boundary (MultipartReader's
    /// IOException, Kestrel's BadHttpRequestException for a short Content-Length), the connection dropped
    /// (ConnectionResetException), or the multipart framing is broken (InvalidDataException). Kestrel's 413 is not one.
    /// </summary>
    static bool IsCutOff(Exception e) =>
        e is IOException or InvalidDataException && e is not BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge };

    static UploadRefusal Incomplete() => new(StatusCodes.Status400BadRequest, "Incomplete upload",
        "The upload ended before the multipart body was complete (cut off, or without its closing boundary). Nothing was stored; send it again.");

    static UploadRefusal TooLarge(long maxBytes) => new(StatusCodes.Status413PayloadTooLarge,
        "Package too large", $"A roster package may be at most {maxBytes:N0} bytes (Sis:MaxUploadBytes).");

    static UploadRefusal NotAZip() => new(StatusCodes.Status400BadRequest, "Not a zip",
        "The file is not a zip archive. A OneRoster package is a zip with the CSV files at its root.");

    static UploadRefusal Refused(string reason) => new(StatusCodes.Status400BadRequest, "Package refused", reason);

    sealed class UploadTooLargeException : Exception;

    sealed class NotAZipException : Exception;

    /// <summary>Reading the upload failed on the client's side (<see cref="IsCutOff"/>), as opposed to writing it to storage.</summary>
    sealed class UploadCutOffException : Exception;

    /// <summary>Passes the upload through while hashing it, counting it against the limit and checking the zip signature first.</summary>
    sealed class CheckedUploadStream(Stream inner, long maxBytes) : Stream
    {
        readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        readonly byte[] _head = new byte[PackageCheck.ZipSignature.Length];
        long _length;

        public override long Length => _length;

        public string Sha256() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            int read;
            try
            {
                read = await inner.ReadAsync(buffer, ct);
            }
            catch (Exception e) when (IsCutOff(e))
            {
                throw new UploadCutOffException();
            }
            Check(buffer.Span[..read]);
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read;
            try
            {
                read = inner.Read(buffer, offset, count);
            }
            catch (Exception e) when (IsCutOff(e))
            {
                throw new UploadCutOffException();
            }
            Check(buffer.AsSpan(offset, read));
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        void Check(ReadOnlySpan<byte> chunk)
        {
            if (_length < _head.Length)
            {
                var take = (int)Math.Min(chunk.Length, _head.Length - _length);
                chunk[..take].CopyTo(_head.AsSpan((int)_length));
                if (!_head.AsSpan(0, (int)_length + take).SequenceEqual(PackageCheck.ZipSignature[..((int)_length + take)]))
                    throw new NotAZipException();
            }
            _length += chunk.Length;
            if (_length > maxBytes) throw new UploadTooLargeException();
            _hash.AppendData(chunk);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
