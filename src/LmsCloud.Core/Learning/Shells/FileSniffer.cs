using System.Text;

namespace LmsCloud.Core.Learning.Shells;

/// <summary>
/// What a course file really is, from its first bytes (the upload's declared type is never trusted). Only kinds a
/// browser will not run as a page are allowed: PDF, PNG, JPEG, GIF, WebP, MP4, MP3, Office files (ZIP based) and
/// plain text. HTML, SVG and anything else is refused: served from the district's host it could carry script.
/// </summary>
public static class FileSniffer
{
    public const int HeaderLength = 512;

    /// <summary>The content type of these leading bytes, or null when the kind is not allowed.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head, string fileName)
    {
        if (head.StartsWith("%PDF-"u8)) return "application/pdf";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return "image/png";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "image/jpeg";
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8)) return "image/gif";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return "image/webp";
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8)) return "video/mp4";
        if (head.StartsWith("ID3"u8) || head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0) return "audio/mpeg";
        if (head.StartsWith("PK\u0003\u0004"u8))
            return Path.GetExtension(fileName).ToLowerInvariant() switch
            {
                ".docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ".xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ".pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                _ => "application/zip",
            };
        return LooksLikePlainText(head) ? "text/plain" : null;
    }

    /// <summary>Valid UTF-8 without control bytes, and not markup a browser would sniff as HTML or SVG.</summary>
    static bool LooksLikePlainText(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty) return false;
        foreach (var b in head)
            if (b < 0x09 || b is > 0x0D and < 0x20) return false;
        string text;
        try { text = new UTF8Encoding(false, true).GetString(head.Length == HeaderLength ? TrimPartialChar(head) : head); }
        catch (DecoderFallbackException) { return false; }
        return !text.TrimStart().StartsWith('<');
    }

    /// <summary>The header may end inside a multi-byte character; drop that tail before decoding.</summary>
    static ReadOnlySpan<byte> TrimPartialChar(ReadOnlySpan<byte> head)
    {
        var end = head.Length;
        for (var i = 1; i <= 3 && end - i >= 0; i++)
        {
            var b = head[end - i];
            if ((b & 0xC0) == 0x80) continue;          // continuation byte
            if ((b & 0x80) == 0) break;                // ASCII: complete
            var need = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : 4;
            if (need > i) end -= i;                    // lead byte whose character is cut off
            break;
        }
        return head[..end];
    }
}
