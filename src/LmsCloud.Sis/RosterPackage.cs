using System.IO.Compression;
using CsvHelper;

namespace LmsCloud.Sis;

/// <summary>How a package delivers one file type (OneRoster manifest <c>file.&lt;name&gt;</c>).</summary>
public enum FileMode { Absent, Bulk, Delta }

/// <summary>
/// A OneRoster CSV package: a zip with the files at its root (or in one top folder), or a plain folder. Reads the
/// manifest, detects the version and tells per file whether it is bulk, delta or absent.
/// </summary>
public sealed class RosterPackage : IDisposable
{
    readonly ZipArchive? _zip;
    readonly Dictionary<string, string> _entries = new(StringComparer.OrdinalIgnoreCase); // file name → zip entry or path

    RosterPackage(ZipArchive? zip) => _zip = zip;

    /// <summary>The most a package's CSV files may expand to (a 50k-student district is about 60 MB).</summary>
    public const long MaxUncompressedBytes = 8L << 30;

    public OneRosterVersion Version { get; private set; }
    public IReadOnlyDictionary<string, string> Manifest { get; private set; } = new Dictionary<string, string>();
    public string SourceSystem { get; private set; } = "sis";

    public static RosterPackage Open(string path)
    {
        RosterPackage package;
        if (Directory.Exists(path))
        {
            package = new RosterPackage(null);
            foreach (var file in Directory.EnumerateFiles(path, "*.csv"))
                package._entries[Path.GetFileName(file)] = file;
        }
        else
        {
            ZipArchive zip;
            try
            {
                zip = ZipFile.OpenRead(path);
            }
            catch (InvalidDataException)
            {
                throw new PackageException("The package is not a readable zip file.");
            }
            package = new RosterPackage(zip);
            var csvs = zip.Entries.Where(e => e.FullName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).ToList();
            // A zip bomb must not fill the disk or run for hours: cap what the entries claim to expand to.
            if (csvs.Sum(e => e.Length) > MaxUncompressedBytes || csvs.Any(e => e.CompressedLength > 0 && e.Length / e.CompressedLength > 1000))
            {
                zip.Dispose();
                throw new PackageException($"The package expands to more than {MaxUncompressedBytes >> 30} GiB or compresses implausibly well; refused.");
            }
            foreach (var entry in csvs)
                package._entries.TryAdd(Path.GetFileName(entry.FullName), entry.FullName);
        }
        package.ReadManifest();
        return package;
    }

    public bool Has(string fileName) => _entries.ContainsKey(fileName);

    public Stream OpenFile(string fileName) =>
        _zip == null ? File.OpenRead(_entries[fileName]) : _zip.GetEntry(_entries[fileName])!.Open();

    public long SizeOf(string fileName) =>
        _zip == null ? new FileInfo(_entries[fileName]).Length : _zip.GetEntry(_entries[fileName])!.Length;

    /// <summary>
    /// A file's mode: the manifest's <c>file.x</c> value; with no manifest (1.0) every present file is bulk; a file the
    /// manifest calls bulk or delta but the package lacks is a package error raised by the caller.
    /// </summary>
    public FileMode ModeOf(string fileName)
    {
        var key = $"file.{Path.GetFileNameWithoutExtension(fileName)}";
        if (Version == OneRosterVersion.V1_0) return Has(fileName) ? FileMode.Bulk : FileMode.Absent;
        return Manifest.TryGetValue(key, out var mode) ? mode.Trim().ToLowerInvariant() switch
        {
            "bulk" => FileMode.Bulk,
            "delta" => FileMode.Delta,
            _ => FileMode.Absent,
        } : FileMode.Absent;
    }

    void ReadManifest()
    {
        if (!Has("manifest.csv"))
        {
            Version = OneRosterVersion.V1_0;
            return;
        }
        var manifest = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        using (var reader = CsvReader.Create(OpenFile("manifest.csv"), new CsvReaderOptions { Separator = ',' }))
            while (reader.Read())
                if (Enumerable.Range(0, reader.FieldCount).Any(i => reader.GetString(i).Contains('\0')))
                    throw new PackageException("manifest.csv: a field holds a NUL byte (0x00); the manifest cannot be trusted.");
                else if (reader.FieldCount >= 2 && reader.GetString(0).Trim() is { Length: > 0 } name)
                    manifest[name] = reader.GetString(1).Trim();
        Manifest = manifest;
        SourceSystem = manifest.GetValueOrDefault("source.systemCode") is { Length: > 0 } code ? code : "sis";
        Version = manifest.GetValueOrDefault("oneroster.version") switch
        {
            "1.1" => OneRosterVersion.V1_1,
            "1.2" or "1.2.0" => OneRosterVersion.V1_2_0,
            "1.2.1" => OneRosterVersion.V1_2_1,
            "1.0" => OneRosterVersion.V1_0,
            var other => throw new PackageException($"manifest.csv: oneroster.version '{other}' is not 1.0, 1.1, 1.2 or 1.2.1."),
        };
    }

    public void Dispose() => _zip?.Dispose();
}

/// <summary>A problem with the package as a whole (no rows can be trusted): the run fails and nothing is applied.</summary>
public sealed class PackageException(string message) : Exception(message);
