using System.IO.Compression;

namespace LmsCloud.Sis;

/// <summary>
/// The one check of a package file before anything reads its rows: a zip (its signature, and a central directory that
/// opens) whose CSV entries do not claim to expand past the caps (a zip bomb must not fill the disk or run for hours).
/// Upload (before it answers 202), the inbox (choosing tonight's package) and the engine (opening a package) all ask
/// it, so a package is refused the same way wherever it comes in.
/// </summary>
public static class PackageCheck
{
    /// <summary>The first bytes of a zip (a local file header), checked while an upload streams in.</summary>
    public static ReadOnlySpan<byte> ZipSignature => "PK\u0003\u0004"u8;

    /// <summary>What the CSV entries may claim to expand to, in all (a 50k-student district is about 60 MB).</summary>
    public const long MaxUncompressedBytes = 8L << 30;

    /// <summary>Real CSV compresses 5-20×; deflate cannot pass about 1,032×, which only a run of one byte reaches.</summary>
    public const int MaxCompressionRatio = 1000;

    /// <summary>Why the zip at <paramref name="path"/> cannot be imported, in one line for an admin; null when it can.</summary>
    public static string? Check(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            return CheckEntries(zip);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return NotAZip;
        }
    }

    public const string NotAZip = "The package is not a readable zip file.";

    /// <summary>The caps, on an open zip: null when within them.</summary>
    public static string? CheckEntries(ZipArchive zip)
    {
        var csvs = zip.Entries.Where(e => e.FullName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).ToList();
        return csvs.Sum(e => e.Length) > MaxUncompressedBytes ||
               csvs.Any(e => e.CompressedLength > 0 && e.Length / e.CompressedLength > MaxCompressionRatio)
            ? $"The package expands to more than {MaxUncompressedBytes >> 30} GiB or compresses implausibly well; refused."
            : null;
    }
}
