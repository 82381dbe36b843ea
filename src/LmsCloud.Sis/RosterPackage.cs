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
    readonly List<string> _files = []; // every file found (CSV or not), to tell a district admin what they sent

    RosterPackage(ZipArchive? zip) => _zip = zip;

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
            package._files.AddRange(Directory.EnumerateFiles(path).Select(f => Path.GetFileName(f)).Order());
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
                throw new PackageException(PackageCheck.NotAZip);
            }
            package = new RosterPackage(zip);
            if (PackageCheck.CheckEntries(zip) is { } refused)
            {
                zip.Dispose();
                throw new PackageException(refused);
            }
            var csvs = zip.Entries.Where(e => e.FullName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).ToList();
            foreach (var entry in csvs)
                package._entries.TryAdd(Path.GetFileName(entry.FullName), entry.FullName);
            package._files.AddRange(zip.Entries.Where(e => e.Name.Length > 0).Select(e => e.FullName).Order());
        }
        try
        {
            package.ReadManifest();
            if (!package.Has("manifest.csv")) package.CheckIsOneRoster();
        }
        catch
        {
            package.Dispose();
            throw;
        }
        return package;
    }

    /// <summary>The OneRoster data files of any version (the ones we read, and gradebook and resource files we ignore).</summary>
    static readonly string[] OneRosterFiles =
    [
        "orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv", "enrollments.csv", "demographics.csv", "roles.csv",
        "userProfiles.csv", "categories.csv", "lineItems.csv", "results.csv", "resources.csv", "classResources.csv", "courseResources.csv",
        "userResources.csv", "scoreScales.csv", "lineItemLearningObjectiveIds.csv", "lineItemScoreScales.csv", "resultLearningObjectiveIds.csv",
        "resultScoreScales.csv",
    ];

    /// <summary>
    /// A package without a manifest is OneRoster 1.0, if it is OneRoster at all: other rostering exports (Clever, Microsoft
    /// School Data Sync, Canvas SIS) share some file names but not the layout, and would otherwise import nothing and
    /// "succeed". Every OneRoster data file starts with sourcedId (demographics 1.0: userSourcedId), status and
    /// dateLastModified, so the headers tell them apart.
    /// </summary>
    void CheckIsOneRoster()
    {
        var headers = _entries.Keys.ToDictionary(f => f, Header, StringComparer.OrdinalIgnoreCase);
        bool HasColumns(string file, params string[] columns) => headers.TryGetValue(file, out var h) && columns.All(h.Contains);
        string[] clever = ["schools.csv", "students.csv", "teachers.csv", "sections.csv", "enrollments.csv", "staff.csv", "admins.csv"];
        string[] sdsClassic = ["School.csv", "Section.csv", "Student.csv", "Teacher.csv", "StudentEnrollment.csv", "TeacherRoster.csv"];
        var oneRosterNamed = OneRosterFiles.Where(Has).ToList();
        var format =
            clever.Any(f => HasColumns(f, "School_id")) ? "a Clever SFTP export (schools.csv, students.csv, teachers.csv, sections.csv, enrollments.csv)"
            : sdsClassic.Any(Has) ? "a Microsoft School Data Sync (SDS) classic CSV export (School.csv, Section.csv, Student.csv, Teacher.csv, StudentEnrollment.csv, TeacherRoster.csv)"
            : HasColumns("users.csv", "user_id", "login_id") || HasColumns("courses.csv", "course_id", "short_name") ||
              HasColumns("enrollments.csv", "course_id", "user_id", "role") || HasColumns("sections.csv", "section_id", "course_id")
                ? "a Canvas SIS CSV import (users.csv with user_id and login_id, courses.csv, sections.csv, enrollments.csv)"
            : Has("relationships.csv") || Has("userFlags.csv") ||
              oneRosterNamed.Any(f => !headers[f].Contains("status") && !headers[f].Contains("dateLastModified"))
                ? "a Microsoft School Data Sync (SDS) v2.1 CSV export (orgs.csv, users.csv, roles.csv, classes.csv, enrollments.csv without OneRoster's status and dateLastModified columns)"
            : null;
        var found = _files.Count == 0 ? "no files at all" : string.Join(", ", _files.Take(30)) + (_files.Count > 30 ? $" and {_files.Count - 30} more" : "");
        if (format != null)
            throw new PackageException($"This is not a OneRoster package: it looks like {format}. Files found: {found}. " +
                                       "Nothing was imported; please send a OneRoster CSV export (version 1.0, 1.1 or 1.2) from the SIS instead.");
        if (oneRosterNamed.Count == 0)
            throw new PackageException($"The package holds none of the OneRoster files (manifest.csv, orgs.csv, academicSessions.csv, courses.csv, " +
                                       $"classes.csv, users.csv, enrollments.csv, demographics.csv). Files found: {found}. " +
                                       "Nothing was imported; please send a OneRoster CSV export (version 1.0, 1.1 or 1.2) from the SIS.");
    }

    /// <summary>
    /// A file's header names (first line, BOM and quotes stripped), compared ignoring case. At most the first 64 KB are
    /// read: a header is never longer, and a file of one endless line must not be read into memory to find out.
    /// </summary>
    HashSet<string> Header(string fileName)
    {
        using var reader = new StreamReader(OpenFile(fileName));
        var buffer = new char[64 * 1024];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        var text = new string(buffer, 0, read);
        var line = text.Split('\n', 2)[0].TrimEnd('\r').Split('\r', 2)[0];
        return line.TrimStart('\uFEFF').Split(',').Select(h => h.Trim().Trim('"').Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase);
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
