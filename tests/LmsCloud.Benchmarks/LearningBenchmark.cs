using System.Diagnostics;
using LmsCloud.Core;
using LmsCloud.Core.Database;
using LmsCloud.Core.Database.Local;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Analytics;
using LmsCloud.Core.Learning.Progress;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Sis;
using LmsCloud.Sis.Generation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

using static LmsCloud.Benchmarks.Measure;

namespace LmsCloud.Benchmarks;

/// <summary>
/// <c>--learning</c>: issue 12's "Done when" benchmark. Imports the generated 50k-student district (every class gets its
/// shell), gives every shell 6 modules × 8 published lessons (7 of 8 required; even modules sequential) and its
/// students progress (a prefix of 0–24 items each, viewed and completed across the school year), plus one school day of
/// heartbeats for every student, all set-based as superuser. Then, in one run:
/// <list type="bullet">
/// <item>student course home (<see cref="ShellReading.GetAsync(ShellViewer, Guid, CancellationToken)"/> + the student's
/// <see cref="ProgressRecorder.ForViewerAsync"/>) and the teacher's progress view of a class of ~35, each at 4 clients,
/// with RLS (the app role, as the product runs) against a no-RLS twin: the same code and the same SQL (the EF tenant
/// filter and the raw statements' <c>tenant_id = $1</c>) over a superuser connection, which RLS does not apply to.
/// Rounds alternate RLS and twin so that the shared machine's load drifts over both alike;</item>
/// <item>heartbeat ingestion through <see cref="ProgressRecorder.HeartbeatsAsync"/> (batches of 10) at 4 clients;</item>
/// <item>the daily rollup of the seeded day (<see cref="DailyRollup.RunAsync"/>), then the same day again
/// (<see cref="DailyRollup.RecomputeDayAsync(DateOnly, int, CancellationToken)"/>), which must give the same rows.</item>
/// </list>
/// </summary>
public static class LearningBenchmark
{
    const int Rounds = 3, ClassSize = 35, BeatsPerBatch = 10, HeartbeatsPerStudent = 20;

    /// <param name="only">home, class or list: that RLS/twin comparison alone (no heartbeats, rollup or EXPLAIN), for quick iterations.</param>
    /// <param name="aa">An A/A run: the "RLS" variant is the twin too, so its ratio shows what the method alone gives (should be 1.00 ± noise).</param>
    public static async Task<int> RunAsync(string work, int port, int students, TimeSpan perRound, string? only = null, bool aa = false)
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = Path.Combine(work, "db"), Port = port };
        var strings = EmbeddedPostgres.EnsureRunning(options);
        var pgData = Path.Combine(options.DataDirectory, "postgres");
        await MigrationRunner.ApplyAsync(strings.Owner!);
        var superuser = new NpgsqlConnectionStringBuilder(EmbeddedPostgres.SuperuserConnectionString(options))
        {
            Database = new NpgsqlConnectionStringBuilder(strings.App).Database, // the superuser string names "postgres"
        }.ConnectionString;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
        Console.WriteLine($"{Environment.ProcessorCount} cores; load average at start: {load}");

        var started = Stopwatch.GetTimestamp();
        DateOnly day;
        string seeded;
        District district;
        if (await KeptAsync(superuser) is { } kept) // a --work cluster seeded by an earlier run: measure straight away
        {
            (district, day) = kept;
            seeded = $"kept from an earlier run (seeded day {day:yyyy-MM-dd})";
            Console.WriteLine($"  district and seed {seeded}");
        }
        else
        {
            var summary = await DistrictProvisioning.CreateAsync(strings, "bench", "Benchmark District", "America/Chicago");
            district = new District(summary.Id, summary.Slug, summary.Name, DistrictStatus.Active);
            var package = Path.Combine(work, "package");
            RosterPackageGenerator.Generate(package, new GeneratorOptions { Students = students, Teachers = students * 4 / 50, Classes = students * 2 / 5 });
            await using (var data = NpgsqlDataSource.Create(strings.App))
            {
                var (_, outcome) = await new ImportRuns(data, TimeProvider.System, NullLogger<ImportRuns>.Instance)
                    .ImportAsync(new ImportRequest(district.TenantId, package, "bench.zip", "cli", Core.Audit.AuditActor.Operator("bench")));
                Console.WriteLine($"  imported {students:N0} students: {outcome.Status} ({Seconds(started):0.0} s)");
            }

            started = Stopwatch.GetTimestamp();
            day = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1));
            seeded = await SeedAsync(superuser, district.TenantId, day);
            Console.WriteLine($"  seeded in {Seconds(started):0.0} s: {seeded}");
        }

        await using var app = Services(aa ? superuser : strings.App); // --aa: the twin against itself, the method's own bias
        await using var twin = Services(superuser);
        var (learners, teacher, classShell, classCount, beatTargets) = await PickAsync(superuser, district.TenantId);
        Console.WriteLine($"  teacher's shell: {classCount} enrolled students; {learners.Count} (student, shell) pairs for the course home");

        // The course home as the page asks for it: the shell with locks, then the student's own progress.
        Func<IServiceProvider, int, Task> courseHome = async (scope, i) =>
        {
            var (student, shell) = learners[i % learners.Count];
            var viewer = new ShellViewer(student, new HashSet<string> { Roles.Student });
            _ = await scope.GetRequiredService<ShellReading>().GetAsync(viewer, shell, CancellationToken.None)
                ?? throw new InvalidOperationException("the student does not see the shell");
            var progress = await scope.GetRequiredService<ProgressRecorder>().ForViewerAsync(viewer, shell, CancellationToken.None);
            if (progress.Items == null) throw new InvalidOperationException("no items in the student's progress");
        };
        var teacherViewer = new ShellViewer(teacher, new HashSet<string> { Roles.Teacher });
        Func<IServiceProvider, int, Task> teacherView = async (scope, _) =>
        {
            var progress = await scope.GetRequiredService<ProgressRecorder>().ForViewerAsync(teacherViewer, classShell, CancellationToken.None);
            if (progress.Students.Count != classCount) throw new InvalidOperationException($"{progress.Students.Count} students, expected {classCount}");
        };

        // The teacher's class progress page (analytics): students × required items, three statements.
        Func<IServiceProvider, int, Task> classProgress = async (scope, _) =>
        {
            var progress = await scope.GetRequiredService<ClassProgress>().ForShellAsync(teacherViewer, classShell, new ClassProgressQuery(), CancellationToken.None);
            if (progress.Students.Count == 0 || progress.Items.Count != 42) throw new InvalidOperationException($"{progress.Students.Count} students, {progress.Items.Count} items");
        };

        var rows = new List<string>();
        foreach (var (key, name, work1) in new[] { ("home", "student course home (ShellReading.GetAsync + own progress)", courseHome),
                     ("class", $"teacher progress view, class of {classCount}: ClassProgress.ForShellAsync (students × 42 required items)", classProgress),
                     ("list", $"teacher progress list, class of {classCount}: ProgressRecorder.ForViewerAsync (GET /api/shells/{{id}}/progress)", teacherView) })
        {
            if (only != null && only != key) continue;
            var (rls, plain, rlsSeconds, plainSeconds) = await Measure.CompareAsync(app, twin, district, work1, Rounds * perRound, pgData, key);
            var (rlsRate, plainRate) = (rls.Count / rlsSeconds, plain.Count / plainSeconds);
            rows.Add($"| {name} | RLS (app role) | {rlsRate:N1} | {Percentile(rls, 0.5):0.0} | {Percentile(rls, 0.99):0.0} | {rlsRate / plainRate:0.00} |");
            rows.Add($"| {name} | no-RLS twin (superuser, tenant predicate) | {plainRate:N1} | {Percentile(plain, 0.5):0.0} | {Percentile(plain, 0.99):0.0} | 1.00 |");
            Console.WriteLine(rows[^2]);
            Console.WriteLine(rows[^1]);
        }

        if (only != null) return 0;

        // Heartbeats: each client a student on an item they have viewed (the first lesson: never locked), 10 beats a batch.
        var beats = new List<double>();
        var beatSeconds = 0.0;
        Func<IServiceProvider, int, Task> heartbeat = async (scope, i) =>
        {
            var (student, shell, item) = beatTargets[i % beatTargets.Count];
            var now = DateTimeOffset.UtcNow;
            var batch = Enumerable.Range(0, BeatsPerBatch).Select(b => ((Guid?)Guid.NewGuid(), now.AddSeconds(-30 * (BeatsPerBatch - b)))).ToList();
            var stored = await scope.GetRequiredService<ProgressRecorder>().HeartbeatsAsync(
                new ShellViewer(student, new HashSet<string> { Roles.Student }), shell, item, batch, now, CancellationToken.None);
            if (stored != BeatsPerBatch) throw new InvalidOperationException($"{stored} of {BeatsPerBatch} beats stored");
        };
        // Until 2026-12-02 HeartbeatsAsync evaluated the shell's locks for every batch: that path, composed here, alternating.
        var oldBeats = new List<double>();
        var oldBeatSeconds = 0.0;
        Func<IServiceProvider, int, Task> lockCheckedHeartbeat = async (scope, i) =>
        {
            var (student, shell, item) = beatTargets[i % beatTargets.Count];
            var now = DateTimeOffset.UtcNow;
            _ = await scope.GetRequiredService<ShellReading>().OpenItemAsync(new ShellViewer(student, new HashSet<string> { Roles.Student }), shell, item, CancellationToken.None);
            var stored = await scope.GetRequiredService<ActivityLog>().AppendAsync(Enumerable.Range(0, BeatsPerBatch)
                .Select(b => new LmsCloud.Core.Learning.Progress.ActivityEvent(student, shell, item, ActivityKinds.Heartbeat, now.AddSeconds(-30 * (BeatsPerBatch - b)), Id: Guid.NewGuid())).ToList(),
                CancellationToken.None);
            if (stored != BeatsPerBatch) throw new InvalidOperationException($"{stored} of {BeatsPerBatch} beats stored");
        };
        await Measure.MeasureAsync(app, district, heartbeat, TimeSpan.FromSeconds(2), []);
        await Measure.MeasureAsync(app, district, lockCheckedHeartbeat, TimeSpan.FromSeconds(2), []);
        for (var round = 0; round < Rounds; round++)
        {
            beatSeconds += await Measure.MeasureAsync(app, district, heartbeat, perRound, beats);
            oldBeatSeconds += await Measure.MeasureAsync(app, district, lockCheckedHeartbeat, perRound, oldBeats);
        }
        var beatRow = $"| heartbeat ingestion: HeartbeatsAsync, {BeatsPerBatch} a batch, checks the recorded view | RLS (app role) | {beats.Count / beatSeconds:N1} batches/s = " +
                      $"**{beats.Count * BeatsPerBatch / beatSeconds:N0} events/s** | {Percentile(beats, 0.5):0.0} | {Percentile(beats, 0.99):0.0} | - |\n" +
                      $"| heartbeat ingestion: the same with the full lock evaluation per batch (before) | RLS (app role) | {oldBeats.Count / oldBeatSeconds:N1} batches/s = " +
                      $"{oldBeats.Count * BeatsPerBatch / oldBeatSeconds:N0} events/s | {Percentile(oldBeats, 0.5):0.0} | {Percentile(oldBeats, 0.99):0.0} | - |";
        Console.WriteLine(beatRow);

        // The rollup of the seeded day (folded first by the job's run), then the same day again: the same rows.
        started = Stopwatch.GetTimestamp();
        var folded = await DistrictScope.RunAsync(app, district, scope =>
            scope.GetRequiredService<DailyRollup>().RunAsync(lag: TimeSpan.Zero));
        var foldSeconds = Seconds(started);
        var before = await ChecksumAsync(superuser, district.TenantId, day);
        started = Stopwatch.GetTimestamp();
        var again = await DistrictScope.RunAsync(app, district, scope => scope.GetRequiredService<DailyRollup>().RecomputeDayAsync(day));
        var againSeconds = Seconds(started);
        var after = await ChecksumAsync(superuser, district.TenantId, day);
        if (before != after) throw new InvalidOperationException($"the re-run changed the day: {before} then {after}");

        Console.WriteLine();
        Console.WriteLine($"District: {students:N0} students; {seeded}; {Measure.Clients} clients, {Rounds} rounds of {perRound.TotalSeconds:0} s per figure and variant");
        Console.WriteLine();
        Console.WriteLine("| measure | variant | requests/s | p50 ms | p99 ms | RLS / twin |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var row in rows) Console.WriteLine(row);
        Console.WriteLine(beatRow);
        Console.WriteLine();
        Console.WriteLine("| daily rollup | seconds | days | item_time_daily rows | events |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine($"| DailyRollup.RunAsync: everything received (the seeded day, its eve, the benchmark's beats) | {foldSeconds:0.00} | {folded.Days.Count} | {folded.Rows:N0} | |");
        Console.WriteLine($"| RecomputeDayAsync({day:yyyy-MM-dd}) again (idempotent: same rows and seconds) | {againSeconds:0.00} | 1 | {again:N0} | {after.Events:N0} |");
        Console.WriteLine();
        await ExplainAsync(strings.App, district.TenantId, classShell);
        Console.WriteLine($"load average at the end: {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?")}");
        return 0;
    }

    /// <summary>The services a host registers for shells and progress, over the given connection string as the "app" role.</summary>
    static ServiceProvider Services(string connection)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:App"] = connection, ["Storage:Root"] = Path.GetTempPath(),
        }).Build();
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.TryAddSingleton(TimeProvider.System);
        services.AddLmsCore(configuration).AddCourseShells(configuration).AddLearningProgress().AddLearningAnalytics();
        return services.BuildServiceProvider();
    }

    /// <summary>Content, progress and one day of heartbeats for the whole district, set-based, as superuser (FK triggers off: the rows are consistent by construction).</summary>
    static async Task<string> SeedAsync(string superuser, Guid tenant, DateOnly day)
    {
        await using var conn = new NpgsqlConnection(superuser);
        await conn.OpenAsync();
        async Task<long> Run(string sql)
        {
            await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 3600 };
            cmd.Parameters.AddWithValue("t", tenant);
            cmd.Parameters.AddWithValue("day", day);
            return await cmd.ExecuteNonQueryAsync();
        }
        await Run("set session_replication_role = replica");
        var modules = await Run("""
            insert into modules (tenant_id, id, shell_id, title, position, sequential)
            select s.tenant_id, gen_random_uuid(), s.id, 'Week ' || m, m, m % 2 = 0
            from course_shells s, generate_series(1, 6) m where s.tenant_id = @t
            """);
        await Run("""
            create temp table bench_items as
            select m.tenant_id, gen_random_uuid() as item_id, gen_random_uuid() as content_id, m.shell_id, m.id as module_id, i as position,
                   (m.position - 1) * 8 + i as seq, case when i = 8 then null when i % 3 = 0 then 'mark_done' else 'must_view' end as requirement
            from modules m, generate_series(1, 8) i where m.tenant_id = @t;
            create index on bench_items (shell_id, seq);
            analyze bench_items
            """);
        var items = await Run("""
            insert into content_items (tenant_id, id, shell_id, kind, title, current_version_no)
            select tenant_id, content_id, shell_id, 'lesson', 'Lesson ' || seq, 1 from bench_items
            """);
        await Run("""
            insert into content_versions (tenant_id, item_id, version_no, body, sha256)
            select tenant_id, content_id, 1, b.body, sha256(convert_to(b.body, 'UTF8'))
            from bench_items, lateral (select '# Lesson ' || seq || E'\n\n' || repeat('Read the chapter and take notes. ', 60) as body) b
            """);
        await Run("""
            insert into module_items (tenant_id, id, shell_id, module_id, content_item_id, position, requirement, published, published_version_no)
            select tenant_id, item_id, shell_id, module_id, content_id, position, requirement, true, 1 from bench_items
            """);
        await Run("""
            update course_shells set status = 'published', module_count = 6, item_count = 48, required_item_count = 42 where tenant_id = @t
            """);
        // Each active student of a shell has done a prefix of its items (0–24, in order, so sequential modules agree).
        await Run("""
            create temp table bench_learners as
            select distinct l.shell_id, e.user_id as student_id, abs(hashtext(e.user_id::text || l.shell_id::text)) % 25 as done
            from course_shell_classes l join enrollments e on e.tenant_id = l.tenant_id and e.class_id = l.class_id
            where l.tenant_id = @t and e.role = 'student' and e.status = 'active';
            analyze bench_learners
            """);
        var progress = await Run("""
            insert into item_progress (tenant_id, student_id, module_item_id, shell_id, first_viewed_at, viewed_version_no, last_viewed_at, completed_at, time_spent_s)
            select @t, l.student_id, i.item_id, l.shell_id, at, 1, at, case when i.requirement is not null then at end, 240 + i.seq * 10
            from bench_learners l join bench_items i on i.shell_id = l.shell_id and i.seq <= l.done,
                 lateral (select (@day::timestamp - interval '200 days' + i.seq * interval '4 days' + interval '10 hours') at time zone 'America/Chicago' as at) t
            """);
        var shells = await Run("""
            insert into shell_progress (tenant_id, shell_id, student_id, completed_required_count, started_at, last_activity_at)
            select @t, shell_id, student_id, count(completed_at), min(first_viewed_at), max(last_viewed_at)
            from item_progress where tenant_id = @t group by shell_id, student_id
            """);
        // One school day: every student with progress, 20 heartbeats 30 s apart on their first item, from 09:00 plus a spread.
        await Run("select ensure_activity_partitions(date_trunc('month', @day::timestamp - interval '1 day')::date, 3)");
        var events = await Run($"""
            insert into activity_events (tenant_id, occurred_at, id, student_id, shell_id, module_item_id, kind)
            select @t, (@day::timestamp + interval '9 hours' + (abs(hashtext(s.student_id::text)) % 21600) * interval '1 second'
                        + b * interval '30 seconds') at time zone 'America/Chicago', gen_random_uuid(), s.student_id, s.shell_id, s.module_item_id,
                   case when b = 0 then 'view' else 'heartbeat' end
            from (select distinct on (student_id) student_id, shell_id, module_item_id from item_progress where tenant_id = @t
                  order by student_id, first_viewed_at) s, generate_series(0, {HeartbeatsPerStudent}) b
            """);
        await Run("set session_replication_role = default");
        // Vacuumed (hint bits, visibility map, statistics) and checkpointed, as autovacuum would have left a live
        // database: otherwise the first measured slices pay the seed's aftermath (setting hint bits, writing out dirty
        // buffers, autovacuum workers starting on the new rows), and they are the RLS variant's.
        await Run("vacuum (analyze)");
        await Run("checkpoint");
        return $"{modules:N0} modules, {items:N0} items, {progress:N0} item_progress, {shells:N0} shell_progress, {events:N0} activity_events on {day:yyyy-MM-dd}";
    }

    /// <summary>The district and seeded day of an earlier run on the same (--work) cluster, or null for a fresh one.</summary>
    static async Task<(District, DateOnly)?> KeptAsync(string superuser)
    {
        await using var conn = new NpgsqlConnection(superuser);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            select t.id, t.name, (select min(occurred_at at time zone 'America/Chicago')::date from activity_events e where e.tenant_id = t.id)
            from tenants t where t.slug = 'bench'
            """, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        if (!await reader.ReadAsync() || reader.IsDBNull(2)) return null;
        return (new District(reader.GetGuid(0), "bench", reader.GetString(1), DistrictStatus.Active), reader.GetFieldValue<DateOnly>(2));
    }

    /// <summary>Who the measured calls act as: students with their shells; the teacher of the class nearest 35; students on their first, viewed, item.</summary>
    static async Task<(List<(Guid, Guid)> Learners, Guid Teacher, Guid Shell, int Count, List<(Guid, Guid, Guid)> Beats)> PickAsync(string superuser, Guid tenant)
    {
        await using var conn = new NpgsqlConnection(superuser);
        await conn.OpenAsync();
        async Task<List<object[]>> Rows(string sql)
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.AddWithValue("t", tenant);
            await using var reader = await cmd.ExecuteReaderAsync();
            var list = new List<object[]>();
            while (await reader.ReadAsync())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                list.Add(values);
            }
            return list;
        }
        var learners = (await Rows("""
            select student_id, shell_id from shell_progress where tenant_id = @t order by md5(student_id::text || shell_id::text) limit 500
            """)).Select(r => ((Guid)r[0], (Guid)r[1])).ToList();
        var teacherRow = (await Rows("""
            with sizes as (
              select l.shell_id, count(distinct e.user_id) filter (where e.role = 'student') as students,
                     min(e.user_id::text) filter (where e.role = 'teacher') as teacher
              from course_shell_classes l join enrollments e on e.tenant_id = l.tenant_id and e.class_id = l.class_id and e.status = 'active'
              where l.tenant_id = @t group by l.shell_id)
            select teacher::uuid, shell_id, students::int from sizes where teacher is not null order by abs(students - 35), shell_id limit 1
            """)).Single();
        var beats = (await Rows("""
            select p.student_id, p.shell_id, p.module_item_id from item_progress p join module_items i on i.tenant_id = p.tenant_id and i.id = p.module_item_id
            where p.tenant_id = @t and i.position = 1 and i.module_id in (select id from modules where tenant_id = @t and position = 1)
            order by md5(p.student_id::text) limit 500
            """)).Select(r => ((Guid)r[0], (Guid)r[1], (Guid)r[2])).ToList();
        return (learners, (Guid)teacherRow[0], (Guid)teacherRow[1], (int)teacherRow[2], beats);
    }

    /// <summary>EXPLAIN ANALYZE of the class progress view's statements as the app role (RLS on), on the 50k district.</summary>
    static async Task ExplainAsync(string app, Guid tenant, Guid shell)
    {
        await using var conn = new NpgsqlConnection(app);
        await conn.OpenAsync();
        await TenantSession.SetAsync(conn, tenant);
        foreach (var (name, sql, parameters) in new[] { ("ClassProgress.ItemsSql", ClassProgress.ItemsSql, 2), ("ClassProgress.StudentsSql", ClassProgress.StudentsSql, 3),
                     ("ClassProgress.CellsSql", ClassProgress.CellsSql, 3) })
        {
            await using var cmd = new NpgsqlCommand("explain (analyze, buffers, costs off) " + sql, conn);
            cmd.Parameters.AddWithValue(tenant);
            cmd.Parameters.AddWithValue(shell);
            if (parameters == 3) cmd.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value });
            Console.WriteLine($"EXPLAIN (ANALYZE, BUFFERS) {name}, app role, RLS on:");
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) Console.WriteLine("    " + reader.GetString(0));
        }
    }

    static async Task<(long Rows, long Seconds, long Events)> ChecksumAsync(string superuser, Guid tenant, DateOnly day)
    {
        await using var conn = new NpgsqlConnection(superuser);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "select count(*), coalesce(sum(seconds), 0)::bigint, coalesce(sum(events), 0)::bigint from item_time_daily where tenant_id = $1 and day = $2", conn);
        cmd.Parameters.AddWithValue(tenant);
        cmd.Parameters.AddWithValue(day);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
