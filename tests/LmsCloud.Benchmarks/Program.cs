using System.Diagnostics;
using LmsCloud.Core.Database;
using LmsCloud.Core.Database.Local;
using LmsCloud.Core.Districts;
using LmsCloud.Sis;
using LmsCloud.Sis.Generation;
using Npgsql;

// Roster import benchmark on a generated large district, in a database that also holds other districts (the two
// sample districts and one other district of the same size, imported before anything is measured), every figure
// measured in this run:
//   baseline  COPY of the same CSV files into unindexed text staging tables (the physical floor here)
//   first     the full import of district A into an empty district
//   no-op     the same package again, immediately after, and a second time
//   1%        the package with 1% of students renamed
//   first B   the first import of a second district of the same size (new slug, same package): must not degrade
//   --big     optionally, the first import of a 4x district (rows/s and peak memory)
// Each import runs in a child process (this program with "import ...") so its peak memory is its own.
// Usage: dotnet run -c Release --project tests/LmsCloud.Benchmarks [-- --students 50000 [--big] [--log-slow] [--alone]]
//        dotnet run -c Release --project tests/LmsCloud.Benchmarks -- --auth [--seconds 5]   (token endpoint, validation)
//        dotnet run -c Release --project tests/LmsCloud.Benchmarks -- --pages [--requests 200]   (web pages' server time)
//        dotnet run -c Release --project tests/LmsCloud.Benchmarks -- --export [--students 50000]   (district exports)
//        dotnet run -c Release --project tests/LmsCloud.Benchmarks -- --learning [--students 50000] [--seconds 5] [--work DIR] [--only home|class|list] [--aa]   (course home, progress, heartbeats, rollup)
//        dotnet run -c Release --project tests/LmsCloud.Benchmarks -- --gradebook [--students 50000] [--seconds 5] [--work DIR] [--only recompute]   (gradebook, score recomputes)

if (args is ["import", var appConnection, var tenant, var package])
    return await ImportInChildAsync(appConnection, Guid.Parse(tenant), package);

if (args is ["export", var exportMode, var exportConnection, var exportTenant, var exportFolder])
    return await LmsCloud.Benchmarks.ExportBenchmark.ChildAsync(int.Parse(exportMode), exportConnection, Guid.Parse(exportTenant), exportFolder);

if (args.Contains("--export")) // the district's exports (ExportBenchmark.cs)
{
    var exportWork = Directory.CreateTempSubdirectory("lms-bench-export-").FullName;
    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(exportWork, (UnixFileMode)0b111_101_101);
    var exportDb = new EmbeddedPostgresOptions { DataDirectory = Path.Combine(exportWork, "db") };
    try
    {
        return await LmsCloud.Benchmarks.ExportBenchmark.RunAsync(exportWork, FreePort(),
            args.SkipWhile(a => a != "--students").Skip(1).Select(int.Parse).FirstOrDefault(50_000));
    }
    finally
    {
        EmbeddedPostgres.Stop(exportDb, immediate: true);
        Directory.Delete(exportWork, recursive: true);
    }
}

if (args.Contains("--learning")) // course home, teacher progress view (RLS vs twin), heartbeats, daily rollup (LearningBenchmark.cs)
{
    // --work DIR keeps the cluster (imported and seeded once) in DIR for the next run, which measures straight away.
    var kept = args.SkipWhile(a => a != "--work").Skip(1).FirstOrDefault();
    var learningWork = kept ?? Directory.CreateTempSubdirectory("lms-bench-learning-").FullName;
    Directory.CreateDirectory(learningWork);
    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(learningWork, (UnixFileMode)0b111_101_101);
    try
    {
        return await LmsCloud.Benchmarks.LearningBenchmark.RunAsync(learningWork, FreePort(),
            args.SkipWhile(a => a != "--students").Skip(1).Select(int.Parse).FirstOrDefault(50_000),
            TimeSpan.FromSeconds(args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(5)),
            args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault(), args.Contains("--aa"));
    }
    finally
    {
        EmbeddedPostgres.Stop(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(learningWork, "db") }, immediate: kept == null);
        if (kept == null) Directory.Delete(learningWork, recursive: true);
    }
}

if (args.Contains("--engine")) // the grade engine alone, in-process, no database (GradebookBenchmark.cs)
{
    LmsCloud.Benchmarks.GradebookBenchmark.EngineAlone(false); // a first pass for the JIT, whose background compiling counts as CPU
    foreach (var allPosted in new[] { true, false })
    {
        var (micro, cellsPerSecond, json) = LmsCloud.Benchmarks.GradebookBenchmark.EngineAlone(allPosted);
        Console.WriteLine($"engine ({(allPosted ? "all posted" : "some unposted: two views")}): {micro:0.0} µs per student of 60 assignments = " +
                          $"{cellsPerSecond:N0} cells/s on one core; stored JSON {json:0.0} µs more");
    }
    return 0;
}

if (args.Contains("--gradebook")) // gradebook grid (RLS vs twin), recompute of a student, a class, the district (GradebookBenchmark.cs)
{
    // --work DIR keeps the cluster (imported and seeded once) in DIR for the next run; --only recompute skips the grid.
    var kept = args.SkipWhile(a => a != "--work").Skip(1).FirstOrDefault();
    var gradebookWork = kept ?? Directory.CreateTempSubdirectory("lms-bench-gradebook-").FullName;
    Directory.CreateDirectory(gradebookWork);
    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(gradebookWork, (UnixFileMode)0b111_101_101);
    try
    {
        return await LmsCloud.Benchmarks.GradebookBenchmark.RunAsync(gradebookWork, FreePort(),
            args.SkipWhile(a => a != "--students").Skip(1).Select(int.Parse).FirstOrDefault(50_000),
            TimeSpan.FromSeconds(args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(5)),
            args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault() == "recompute");
    }
    finally
    {
        EmbeddedPostgres.Stop(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(gradebookWork, "db") }, immediate: kept == null);
        if (kept == null) Directory.Delete(gradebookWork, recursive: true);
    }
}

if (args.Contains("--auth")) // token endpoint and validation instead (AuthBenchmark.cs)
{
    var authWork = Directory.CreateTempSubdirectory("lms-bench-auth-").FullName;
    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(authWork, (UnixFileMode)0b111_101_101);
    try
    {
        return await LmsCloud.Benchmarks.AuthBenchmark.RunAsync(authWork, FreePort(),
            TimeSpan.FromSeconds(args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(5)));
    }
    finally
    {
        EmbeddedPostgres.Stop(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(authWork, "db") });
        Directory.Delete(authWork, recursive: true);
    }
}

if (args.Contains("--pages")) // server time of the web pages' first render over 1,000-row lists (PagesBenchmark.cs)
{
    var pagesWork = Directory.CreateTempSubdirectory("lms-bench-pages-").FullName;
    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(pagesWork, (UnixFileMode)0b111_101_101);
    try
    {
        return await LmsCloud.Benchmarks.PagesBenchmark.RunAsync(pagesWork, FreePort(),
            args.SkipWhile(a => a != "--requests").Skip(1).Select(int.Parse).FirstOrDefault(200));
    }
    finally
    {
        EmbeddedPostgres.Stop(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(pagesWork, "db") });
        Directory.Delete(pagesWork, recursive: true);
    }
}

var students = args.SkipWhile(a => a != "--students").Skip(1).Select(int.Parse).FirstOrDefault(50_000);
var logSlow = args.Contains("--log-slow"); // prints statements over 1 s from the server log, to find what dominates
var big = args.Contains("--big");     // also the first import of a district 4x the size
var alone = args.Contains("--alone"); // no other districts in the database (the old benchmark)
var floor = args.Contains("--floor"); // after the runs: the floor of writing district A's rows into the real tables
var work = Directory.CreateTempSubdirectory("lms-bench-").FullName;
if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(work, (UnixFileMode)0b111_101_101); // the postgres OS user must reach the cluster inside
var options = new EmbeddedPostgresOptions { DataDirectory = Path.Combine(work, "db"), Port = FreePort() };
try
{
    Console.WriteLine($"Generating a district with {students:N0} students in {work} ...");
    var generator = new GeneratorOptions { Students = students, Teachers = students * 4 / 50, Classes = students * 2 / 5 };
    var basePackage = Path.Combine(work, "base");
    var changedPackage = Path.Combine(work, "changed");
    var fileRows = RosterPackageGenerator.Generate(basePackage, generator);
    RosterPackageGenerator.Generate(changedPackage, generator with { ChangedFraction = 0.01 });
    var totalRows = fileRows.Where(f => f.Key != "manifest.csv").Sum(f => f.Value);

    var strings = EmbeddedPostgres.EnsureRunning(options);
    await MigrationRunner.ApplyAsync(strings.Owner!);
    await using var app = NpgsqlDataSource.Create(strings.App);
    if (!alone)
    {
        // Other districts first, as in any real database: the two sample districts and one of the same size.
        var samples = Path.Combine(RepositoryRoot(), "samples", "rosters");
        foreach (var (slug, sample) in new[] { ("northwind", "northwind-1.1-bulk"), ("riverside", "riverside-1.2-bulk") })
        {
            var d = await DistrictProvisioning.CreateAsync(strings, slug, $"Sample {slug}", "America/Chicago");
            await ImportAsync(strings.App, d.Id, Path.Combine(samples, sample));
        }
        var other = await DistrictProvisioning.CreateAsync(strings, "other", "Other District", "America/Chicago");
        var started = Stopwatch.GetTimestamp();
        await ImportAsync(strings.App, other.Id, basePackage);
        Console.WriteLine($"  provisioned: 2 sample districts and one of {students:N0} students ({Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s)");
    }
    var district = await DistrictProvisioning.CreateAsync(strings, "bench", "Benchmark District", "America/Chicago");
    var districtB = await DistrictProvisioning.CreateAsync(strings, "bench-b", "Benchmark District B", "America/Chicago");
    if (logSlow)
    {
        await using var su = new NpgsqlConnection(EmbeddedPostgres.SuperuserConnectionString(options));
        await su.OpenAsync();
        // Statements over 1 s, and the plans of those over 5 s (auto_explain, without ANALYZE: no overhead).
        await using (var load = new NpgsqlCommand("load 'auto_explain'", su)) await load.ExecuteNonQueryAsync(); // so ALTER SYSTEM knows its settings
        foreach (var setting in new[] { "log_min_duration_statement = 1000", "session_preload_libraries = 'auto_explain'", "auto_explain.log_min_duration = 5000" })
        {
            await using var set = new NpgsqlCommand($"alter system set {setting}", su);
            await set.ExecuteNonQueryAsync();
        }
        await using var reload = new NpgsqlCommand("select pg_reload_conf()", su);
        await reload.ExecuteNonQueryAsync();
    }

    var results = new List<Result>
    {
        await MeasureAsync("baseline: COPY into staging", totalRows, () => BaselineCopyAsync(strings.Owner!, basePackage)),
        await MeasureAsync("first import", totalRows, () => ImportAsync(strings.App, district.Id, basePackage)),
        await MeasureAsync("no-op re-import", totalRows, () => ImportAsync(strings.App, district.Id, basePackage)),
        await MeasureAsync("no-op again", totalRows, () => ImportAsync(strings.App, district.Id, basePackage)),
        await MeasureAsync("1% change", totalRows, () => ImportAsync(strings.App, district.Id, changedPackage)),
        await MeasureAsync("first import, district B", totalRows, () => ImportAsync(strings.App, districtB.Id, basePackage)),
    };
    if (big)
    {
        var bigPackage = Path.Combine(work, "big");
        var bigRows = RosterPackageGenerator.Generate(bigPackage, generator with
        {
            Students = students * 4, Teachers = students * 16 / 50, Classes = students * 8 / 5,
        }).Where(f => f.Key != "manifest.csv").Sum(f => f.Value);
        var districtC = await DistrictProvisioning.CreateAsync(strings, "bench-big", "Benchmark District 4x", "America/Chicago");
        results.Add(await MeasureAsync("first import, 4x district", bigRows, () => ImportAsync(strings.App, districtC.Id, bigPackage)));
    }

    Console.WriteLine();
    Console.WriteLine($"District: {students:N0} students; {totalRows:N0} rows in {fileRows.Count - 1} files; {Environment.ProcessorCount} cores; " +
                      (alone ? "alone in the database" : $"other districts present (2 samples + {students:N0} students)"));
    Console.WriteLine();
    Console.WriteLine("| run | seconds | rows/s | × baseline | rows written | WAL | peak memory |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
    foreach (var r in results)
        Console.WriteLine($"| {r.Name} | {r.Seconds:0.00} | {r.Rows / r.Seconds:N0} | {r.Seconds / results[0].Seconds:0.0} | {r.Written?.ToString("N0") ?? "-"} | " +
                          $"{r.WalBytes / 1024.0 / 1024.0:0.00} MB | {(r.PeakBytes is { } p ? $"{p / 1024 / 1024} MB" : "-")} |");
    var (first, noop, noop2, change, firstB) = (results[1], results[2], results[3], results[4], results[5]);
    Console.WriteLine();
    Console.WriteLine($"first import / baseline   = {first.Seconds / results[0].Seconds:0.0} (target <= 15)");
    Console.WriteLine($"first B / baseline        = {firstB.Seconds / results[0].Seconds:0.0} (target <= 15); first B / first A = {firstB.Seconds / first.Seconds:0.00}");
    foreach (var n in new[] { noop, noop2 })
        Console.WriteLine($"{n.Name} / first import = {n.Seconds / first.Seconds:P0} (target <= 15%), rows written {n.Written}, WAL {n.WalBytes / 1024.0:0} kB (target <= 1 MB)");
    Console.WriteLine($"1% change / no-op         = {change.Seconds / noop.Seconds:0.00} (target <= 1.2), rows written {change.Written} (expected {students / 100} changed students)");
    if (big)
        Console.WriteLine($"4x rows/s / first rows/s  = {results[6].Rows / results[6].Seconds / (first.Rows / first.Seconds):0.00} (target >= 0.8)");
    Console.WriteLine($"peak memory of an import: {results.Skip(1).Max(r => r.PeakBytes ?? 0) / 1024 / 1024} MB (target < 500 MB)");
    if (floor)
    {
        Console.WriteLine();
        Console.WriteLine("Floor: district A's rows copied into another district, as superuser (no RLS), one transaction, rolled back:");
        Console.WriteLine("| variant | seconds | × baseline |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var variant in new[] { "all constraints and indexes", "no foreign keys", "no foreign keys, primary keys only" })
        {
            var superuser = new NpgsqlConnectionStringBuilder(EmbeddedPostgres.SuperuserConnectionString(options))
            {
                Database = new NpgsqlConnectionStringBuilder(strings.App).Database, // the superuser string names "postgres"
            }.ConnectionString;
            var seconds = await FloorAsync(strings, superuser, district.Id, variant);
            Console.WriteLine($"| {variant} | {seconds:0.00} | {seconds / results[0].Seconds:0.0} |");
        }
    }
    if (logSlow)
    {
        var log = File.ReadAllText(Path.Combine(options.DataDirectory!, "postgres", "server.log"));
        var kept = Path.Combine(Path.GetTempPath(), "lms-bench-server.log"); // the full log (plans included) outlives the cluster
        File.WriteAllText(kept, log);
        Console.WriteLine($"Server log with the plans of statements over 5 s: {kept}");
        foreach (var entry in System.Text.RegularExpressions.Regex.Split(log, @"(?m)^(?=\d{4}-\d\d-\d\d )").Where(e => e.Contains("duration:")))
            Console.WriteLine(System.Text.RegularExpressions.Regex.Replace(entry, @"\s+", " ") is var flat && flat.Length > 500 ? flat[..500] : flat);
    }
    return 0;
}
finally
{
    EmbeddedPostgres.Stop(options, immediate: true);
    Directory.Delete(work, recursive: true);
}

async Task<Result> MeasureAsync(string name, int rows, Func<Task<(long? Written, long? Peak)>> run)
{
    await using var conn = new NpgsqlConnection(EmbeddedPostgres.SuperuserConnectionString(options));
    await conn.OpenAsync();
    await using (var checkpoint = new NpgsqlCommand("checkpoint", conn)) await checkpoint.ExecuteNonQueryAsync();
    var before = await Lsn(conn);
    var started = Stopwatch.GetTimestamp();
    var (written, peak) = await run();
    var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
    await using var wal = new NpgsqlCommand($"select pg_wal_lsn_diff(pg_current_wal_lsn(), '{before}')::bigint", conn);
    var result = new Result(name, rows, seconds, written, (long)(await wal.ExecuteScalarAsync())!, peak);
    Console.WriteLine($"  {name}: {seconds:0.00} s, rows written {written?.ToString() ?? "-"}, WAL {result.WalBytes / 1024.0 / 1024.0:0.00} MB, peak {(peak ?? 0) / 1024 / 1024} MB");
    return result;
}

static async Task<string> Lsn(NpgsqlConnection conn)
{
    await using var cmd = new NpgsqlCommand("select pg_current_wal_lsn()::text", conn);
    return (string)(await cmd.ExecuteScalarAsync())!;
}

/// <summary>The floor: PostgreSQL's own CSV COPY of every file into unlogged, unindexed text tables.</summary>
static async Task<(long?, long?)> BaselineCopyAsync(string connectionString, string package)
{
    await using var conn = new NpgsqlConnection(connectionString);
    await conn.OpenAsync();
    foreach (var file in Directory.GetFiles(package, "*.csv").Where(f => !f.EndsWith("manifest.csv")))
    {
        var header = File.ReadLines(file).First().Split(',');
        var table = $"baseline_{Path.GetFileNameWithoutExtension(file).ToLowerInvariant()}";
        await using (var create = new NpgsqlCommand(
                         $"drop table if exists {table}; create unlogged table {table} ({string.Join(", ", header.Select((_, i) => $"c{i} text"))})", conn))
            await create.ExecuteNonQueryAsync();
        await using var writer = await conn.BeginTextImportAsync($"copy {table} from stdin (format csv, header true)");
        using var reader = File.OpenText(file);
        await writer.WriteAsync(await reader.ReadToEndAsync());
    }
    return (null, null);
}

async Task<(long?, long?)> ImportAsync(string appConnection, Guid tenant, string package)
{
    var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
    foreach (var a in new[] { "import", appConnection, tenant.ToString(), package }) psi.ArgumentList.Add(a);
    using var child = Process.Start(psi)!;
    var output = await child.StandardOutput.ReadToEndAsync();
    await child.WaitForExitAsync();
    var fields = output.Trim().Split(' ');
    if (child.ExitCode != 0 || fields.Length != 3) throw new InvalidOperationException($"import failed: {output}");
    return (long.Parse(fields[1]), long.Parse(fields[2]));
}

static async Task<int> ImportInChildAsync(string appConnection, Guid tenant, string package)
{
    await using var db = NpgsqlDataSource.Create(appConnection);
    var run = await RosterImporter.CreateRunAsync(db, tenant, package, "bench", PackageHash.Compute(package), "cli", false, "benchmark");
    var outcome = await new RosterImporter(db).RunAsync(tenant, run);
    var written = outcome.Counts.Values.Sum(c => (long)c.Created + c.Updated + c.Deleted + c.Revived);
    using var self = Process.GetCurrentProcess();
    Console.WriteLine($"{outcome.Status} {written} {self.PeakWorkingSet64}");
    return outcome.Status is RunStatus.Succeeded or RunStatus.SucceededWithWarnings ? 0 : 1;
}

/// <summary>
/// The physical floor of a first import here: every roster row of the district (and its mappings) written once into
/// the real tables, nothing resolved or compared, with the given constraints; rolled back, so nothing stays.
/// </summary>
static async Task<double> FloorAsync(DatabaseConnectionStrings strings, string superuser, Guid from, string variant)
{
    var to = (await DistrictProvisioning.CreateAsync(strings, $"floor-{Guid.NewGuid():N}"[..20], "Floor", "America/Chicago")).Id;
    await using var conn = new NpgsqlConnection(superuser);
    await conn.OpenAsync();
    await using var tx = await conn.BeginTransactionAsync();
    string[] tables = ["users", "orgs", "academic_sessions", "courses", "classes", "enrollments", "demographics", "user_orgs",
        "guardian_links", "user_roles", "external_ids"];
    async Task<List<string>> Strings(string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await reader.ReadAsync()) list.Add(reader.GetString(0));
        return list;
    }
    async Task Run(string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 3600 };
        await cmd.ExecuteNonQueryAsync();
    }
    var list = string.Join(", ", tables.Select(t => $"'{t}'"));
    var drops = new List<string>();
    if (variant != "all constraints and indexes")
        drops.AddRange(await Strings($"""
            select format('alter table %I drop constraint %I', conrelid::regclass, conname) from pg_constraint
            where contype = 'f' and conrelid::regclass::text in ({list})
            """));
    if (variant.EndsWith("primary keys only"))
    {
        drops.AddRange(await Strings($"""
            select format('alter table %I drop constraint %I', conrelid::regclass, conname) from pg_constraint
            where contype = 'u' and conrelid::regclass::text in ({list})
            """));
        drops.AddRange(await Strings($"""
            select format('drop index %I', i.indexrelid::regclass) from pg_index i
            where i.indrelid::regclass::text in ({list}) and not i.indisprimary and not i.indisunique
            """));
    }
    foreach (var d in drops) await Run(d);
    await Run("set constraints all immediate");
    var started = Stopwatch.GetTimestamp();
    foreach (var t in tables)
    {
        var columns = await Strings($"select column_name::text from information_schema.columns where table_schema = 'public' and table_name = '{t}' order by ordinal_position");
        await Run($"insert into {t} ({string.Join(", ", columns)}) select {string.Join(", ", columns.Select(c => c == "tenant_id" ? $"'{to}'::uuid" : c))} from {t} where tenant_id = '{from}'");
    }
    var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
    await tx.RollbackAsync();
    return seconds;
}

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        if (Directory.Exists(Path.Combine(dir.FullName, "samples", "rosters"))) return dir.FullName;
    throw new DirectoryNotFoundException("samples/rosters not found above the benchmark's directory.");
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

record Result(string Name, int Rows, double Seconds, long? Written, long WalBytes, long? PeakBytes);
