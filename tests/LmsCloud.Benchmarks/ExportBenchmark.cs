using System.Diagnostics;
using LmsCloud.Core.Compliance.Export;
using LmsCloud.Core.Database;
using LmsCloud.Core.Database.Local;
using LmsCloud.Core.Districts;
using LmsCloud.Sis;
using LmsCloud.Sis.Export;
using LmsCloud.Sis.Generation;
using Npgsql;

namespace LmsCloud.Benchmarks;

/// <summary>
/// <c>--export</c>: the district exports of a generated district (default 50k students), imported first, each export
/// timed in a child process of its own (this program with <c>export MODE ...</c>) so its peak working set and managed
/// allocations are its own, against a baseline in the same run: PostgreSQL's plain <c>COPY (select * from …) TO
/// STDOUT</c> of the same roster tables through the same client. Then the OneRoster package is re-imported into the
/// district, which must change nothing.
/// </summary>
/// <remarks>A new kind of export is one more entry in <see cref="Modes"/>.</remarks>
public static class ExportBenchmark
{
    static readonly string[] RosterTables = ["orgs", "academic_sessions", "courses", "classes", "users", "user_orgs", "guardian_links", "enrollments", "demographics"];

    /// <summary>Each export: what it writes into an empty folder, over a district's tenant session; returns the records written.</summary>
    static readonly (string Name, Func<NpgsqlConnection, string, Task<long>> Run)[] Modes =
    [
        ("baseline: COPY (select * from ...) TO STDOUT of the roster tables", BaselineAsync),
        ("OneRoster 1.2 CSV package (OneRosterExport)", async (conn, folder) =>
            (await OneRosterExport.WriteAsync(conn, name => File.Create(Path.Combine(folder, name)), CancellationToken.None))
                .Where(f => f.FileName != "manifest.csv").Sum(f => f.Records)),
        ("whole-district compliance zip (ExportWriter: every mapped table as JSON and CSV, OneRoster, signed manifest)", DistrictZipAsync),
    ];

    public static async Task<int> RunAsync(string work, int port, int students)
    {
        var strings = EmbeddedPostgres.EnsureRunning(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(work, "db"), Port = port });
        await MigrationRunner.ApplyAsync(strings.Owner!);
        Console.WriteLine($"Generating and importing a district with {students:N0} students ...");
        var package = Path.Combine(work, "package");
        RosterPackageGenerator.Generate(package, new GeneratorOptions { Students = students, Teachers = students * 4 / 50, Classes = students * 2 / 5 });
        await using var app = NpgsqlDataSource.Create(strings.App);
        var district = await DistrictProvisioning.CreateAsync(strings, "bench", "Benchmark District", "America/Chicago");
        var started = Stopwatch.GetTimestamp();
        var imported = await ImportAsync(app, district.Id, package);
        Console.WriteLine($"  imported: {imported.Status} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");

        var results = new List<(string Name, double Seconds, long Records, long Bytes, long PeakWorkingSet, long Allocated)>();
        for (var i = 0; i < Modes.Length; i++)
        {
            var folder = Path.Combine(work, $"export-{i}");
            Directory.CreateDirectory(folder);
            var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
            foreach (var a in new[] { "export", i.ToString(), strings.App, district.Id.ToString(), folder }) psi.ArgumentList.Add(a);
            using var child = Process.Start(psi)!;
            var output = await child.StandardOutput.ReadToEndAsync();
            await child.WaitForExitAsync();
            var f = output.Trim().Split(' ');
            if (child.ExitCode != 0 || f.Length != 4) throw new InvalidOperationException($"export {Modes[i].Name} failed: {output}");
            var bytes = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(p => new FileInfo(p).Length);
            results.Add((Modes[i].Name, double.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(f[1]), bytes, long.Parse(f[2]), long.Parse(f[3])));
            Console.WriteLine($"  {Modes[i].Name}: {f[0]} s");
        }

        // The export must re-import with zero changes (the test proves it on small districts; this at full size).
        started = Stopwatch.GetTimestamp();
        var again = await ImportAsync(app, district.Id, Path.Combine(work, "export-1"));
        var changes = again.Counts.Values.Sum(c => (long)c.Created + c.Updated + c.Deleted + c.Revived);
        var reimport = Stopwatch.GetElapsedTime(started).TotalSeconds;

        Console.WriteLine();
        Console.WriteLine($"District: {students:N0} students; {Environment.ProcessorCount} cores; load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| export | seconds | records | rows/s | × baseline | output | peak working set | managed allocations |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            Console.WriteLine($"| {r.Name} | {r.Seconds:0.00} | {r.Records:N0} | {r.Records / r.Seconds:N0} | {r.Seconds / results[0].Seconds:0.0} | " +
                              $"{r.Bytes / 1024 / 1024} MB | {r.PeakWorkingSet / 1024 / 1024} MB | {r.Allocated / 1024 / 1024} MB |");
        Console.WriteLine();
        Console.WriteLine($"re-import of the OneRoster package into the same district: {again.Status}, {changes} records changed, " +
                          $"{again.Counts.Values.Sum(c => (long)c.Invalid)} invalid, {again.Warnings} warnings, {reimport:0.00} s");
        return changes == 0 && again.Status == RunStatus.Succeeded ? 0 : 1;
    }

    /// <summary>The child: one export, then "seconds records peakWorkingSet allocatedBytes" on one line.</summary>
    public static async Task<int> ChildAsync(int mode, string appConnection, Guid tenant, string folder)
    {
        await using var db = NpgsqlDataSource.Create(appConnection);
        await using var conn = await TenantSession.OpenAsync(db, tenant);
        var started = Stopwatch.GetTimestamp();
        var records = await Modes[mode].Run(conn, folder);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        using var self = Process.GetCurrentProcess();
        Console.WriteLine(FormattableString.Invariant($"{seconds:0.000} {records} {self.PeakWorkingSet64} {GC.GetTotalAllocatedBytes(precise: true)}"));
        return 0;
    }

    /// <summary>The floor of reading the same rows out: every column of every roster table, PostgreSQL's own CSV, one file each.</summary>
    static async Task<long> BaselineAsync(NpgsqlConnection conn, string folder)
    {
        long rows = 0;
        foreach (var table in RosterTables)
        {
            await using var file = new StreamWriter(File.Create(Path.Combine(folder, table + ".csv")));
            using var reader = await conn.BeginTextExportAsync($"copy (select * from {table}) to stdout (format csv)");
            var buffer = new char[32 * 1024];
            var quoted = false;
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                foreach (var c in buffer.AsSpan(0, read)) // rows counted as the export counts them
                    if (c == '"') quoted = !quoted;
                    else if (c == '\n' && !quoted) rows++;
                await file.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        return rows;
    }

    /// <summary>
    /// A district export as the export job writes it, into one zip. Records: each row once (the JSON of every table and of
    /// the disclosure log, and the OneRoster files' rows); the CSV twin of each table is the same rows again.
    /// </summary>
    static async Task<long> DistrictZipAsync(NpgsqlConnection conn, string folder)
    {
        var tenant = Guid.Parse((await new NpgsqlCommand("select current_setting('app.tenant_id')", conn).ExecuteScalarAsync())!.ToString()!);
        var keys = PlatformKeys.FromConfiguration(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), allowDevelopmentKey: true);
        var scope = new ExportScope(tenant, "bench", "Benchmark District", Guid.NewGuid(), PersonId: null);
        await using var zip = File.Create(Path.Combine(folder, "district-export.zip"));
        var result = await ExportWriter.WriteAsync(conn, scope, zip, keys, DateTimeOffset.UtcNow,
            async (c, createFile, ct) => [.. (await OneRosterExport.WriteAsync(c, createFile, ct)).Select(f => (f.FileName, f.Records))]);
        if (!result.Succeeded)
            throw new InvalidOperationException(string.Join("; ", result.Parts.Where(p => !p.Succeeded).Select(p => $"{p.Part}: {p.Error}")));
        return result.Files.Where(f => f.Path.EndsWith(".json", StringComparison.Ordinal) && (f.Path.StartsWith("data/", StringComparison.Ordinal) ||
                                                                                             f.Path == "disclosure-log.json") ||
                                       f.Path.StartsWith("oneroster/", StringComparison.Ordinal) && f.Path != "oneroster/manifest.csv")
            .Sum(f => f.Records);
    }

    static async Task<ImportOutcome> ImportAsync(NpgsqlDataSource db, Guid tenant, string package)
    {
        var run = await RosterImporter.CreateRunAsync(db, tenant, package, "bench", PackageHash.Compute(package), "cli", false, "benchmark");
        return await new RosterImporter(db).RunAsync(tenant, run);
    }

    static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
