using System.Diagnostics;
using LmsCloud.Core;
using LmsCloud.Core.Database;
using LmsCloud.Core.Database.Local;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Gradebook;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Passback;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Sis;
using LmsCloud.Sis.Generation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

using static LmsCloud.Benchmarks.Measure;

namespace LmsCloud.Benchmarks;

/// <summary>
/// <c>--gradebook</c>: issue 13's "Done when" benchmark. Imports the generated district (every class gets its shell),
/// gives every shell three weighted groups (homework with a drop, quizzes, tests) and <see cref="AssignmentsPerShell"/>
/// published assignments with effective due dates and submissions (about 90 % graded, some late, a few excused), the
/// class nearest 35 students 60 assignments, and one shell 1,000 students × 100 assignments; all set-based as superuser.
/// Then, in one run:
/// <list type="bullet">
/// <item>the teacher's gradebook of the class of 35 × 60 (<see cref="GradebookReading.GetAsync"/>) at 4 clients, RLS (the app
/// role) against a no-RLS twin (the same code and SQL over a superuser connection), in interleaved one-second slices;</item>
/// <item>one student's recompute (<see cref="ScoreKeeper.RecomputeAsync"/> for one student, in a transaction), p50/p99;</item>
/// <item>a policy change on that class: the whole class recomputed and stored in one transaction;</item>
/// <item>the whole district recomputed (every shell, 2 workers) in grade cells/s (students × assignments);</item>
/// <item>the first page (50 students) of the 1,000 × 100 gradebook, p50/p99;</item>
/// <item>OneRoster results as the SIS reads them (<see cref="GradebookReader.ListAsync"/>, count and page of 100): the
/// class's, and the district-wide collection's first page.</item>
/// </list>
/// </summary>
public static class GradebookBenchmark
{
    const int Rounds = 3, AssignmentsPerShell = 20, ClassAssignments = 60, BigStudents = 1000, BigAssignments = 100;

    /// <param name="onlyRecompute">The recomputes alone (district, one student, the class), no grid comparison: for quick iterations.</param>
    public static async Task<int> RunAsync(string work, int port, int students, TimeSpan perRound, bool onlyRecompute = false)
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = Path.Combine(work, "db"), Port = port };
        var strings = EmbeddedPostgres.EnsureRunning(options);
        await MigrationRunner.ApplyAsync(strings.Owner!);
        var superuser = new NpgsqlConnectionStringBuilder(EmbeddedPostgres.SuperuserConnectionString(options))
        {
            Database = new NpgsqlConnectionStringBuilder(strings.App).Database,
        }.ConnectionString;
        Console.WriteLine($"{Environment.ProcessorCount} cores; load average at start: {Load()}");

        var started = Stopwatch.GetTimestamp();
        District district;
        Guid classShell, teacher, bigShell;
        int classSize;
        if (await KeptAsync(superuser) is { } kept) // a --work cluster seeded by an earlier run: measure straight away
        {
            (district, classShell, classSize, teacher, bigShell) = kept;
            Console.WriteLine($"  district and seed kept from an earlier run: class shell {classShell} ({classSize} students), big shell {bigShell}");
            await using var conn = new NpgsqlConnection(superuser);
            await conn.OpenAsync();
            await new NpgsqlCommand("truncate student_scores", conn).ExecuteNonQueryAsync(); // the district pass starts from none, as in a fresh run
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
            (classShell, classSize, teacher, bigShell) = await SeedAsync(superuser, district.TenantId);
            Console.WriteLine($"  seeded in {Seconds(started):0.0} s: class shell {classShell} ({classSize} students), big shell {bigShell}");
        }

        await using var app = Services(strings.App);
        await using var twin = Services(superuser);
        var teacherViewer = new ShellViewer(teacher, new HashSet<string> { Roles.Teacher });
        var adminViewer = new ShellViewer(Guid.NewGuid(), new HashSet<string> { Roles.DistrictAdmin }); // the big shell is not the teacher's

        // The whole district first: every score row exists afterwards, as in a district that has been grading all year.
        EngineAlone(false); // a first pass for the JIT, whose background compiling counts as CPU
        var engine = EngineAlone();
        Console.WriteLine($"  engine alone, in-process: {engine.Microseconds:0.0} µs per student of {ClassAssignments} assignments = {engine.CellsPerSecond:N0} cells/s on one core " +
                          $"({engine.JsonMicroseconds:0.0} µs more to write the stored JSON)");
        started = Stopwatch.GetTimestamp();
        var district1 = await DistrictScope.RunAsync(app, district, scope => scope.GetRequiredService<ScoreKeeper>().RecomputeDistrictAsync(CancellationToken.None));
        var districtSeconds = Seconds(started);
        var (shellCount, scored, cells) = (district1.Shells, district1.Students, district1.GradeCells);
        Console.WriteLine($"  whole district: {shellCount:N0} shells, {scored:N0} student scores, {cells:N0} grade cells in {districtSeconds:0.0} s " +
                          $"= {cells / districtSeconds:N0} cells/s ({district1.Rewritten:N0} scores written)");
        // Again, as the refresh job or a scheme change finds it: every score stored, few changed (here none).
        started = Stopwatch.GetTimestamp();
        var district2 = await DistrictScope.RunAsync(app, district, scope => scope.GetRequiredService<ScoreKeeper>().RecomputeDistrictAsync(CancellationToken.None));
        var againSeconds = Seconds(started);
        Console.WriteLine($"  again, all stored: {district2.GradeCells:N0} grade cells in {againSeconds:0.0} s = {district2.GradeCells / againSeconds:N0} cells/s " +
                          $"({district2.Rewritten:N0} scores rewritten)");

        // The latencies below are of a district in its steady state: the two passes' dead rows vacuumed and their
        // dirty pages written out, not an autovacuum of the whole score table or a checkpoint running underneath.
        await using (var conn = new NpgsqlConnection(superuser))
        {
            await conn.OpenAsync();
            await new NpgsqlCommand("vacuum (analyze) student_scores", conn) { CommandTimeout = 600 }.ExecuteNonQueryAsync();
            await new NpgsqlCommand("checkpoint", conn) { CommandTimeout = 600 }.ExecuteNonQueryAsync();
        }

        var rows = new List<string>();
        Func<IServiceProvider, Task> gradebook = async scope =>
        {
            var page = await scope.GetRequiredService<GradebookReading>().GetAsync(teacherViewer, classShell, new GradebookFilter(), 1, 50, CancellationToken.None);
            if (page.Students.Items.Count != classSize || page.Assignments.Count != ClassAssignments)
                throw new InvalidOperationException($"{page.Students.Items.Count} students × {page.Assignments.Count} assignments");
        };
        if (!onlyRecompute)
        {
            var (rls, plain, rlsSeconds, plainSeconds) = await CompareAsync(app, twin, district, (scope, _) => gradebook(scope), Rounds * perRound,
                Path.Combine(options.DataDirectory, "postgres"), "gradebook");
            var (rlsRate, plainRate) = (rls.Count / rlsSeconds, plain.Count / plainSeconds);
            rows.Add($"| gradebook {classSize} × {ClassAssignments} (GradebookReading.GetAsync) | RLS (app role) | {rlsRate:N1} | {Percentile(rls, 0.5):0.0} | {Percentile(rls, 0.99):0.0} | {rlsRate / plainRate:0.00} |");
            rows.Add($"| gradebook {classSize} × {ClassAssignments} | no-RLS twin (superuser, tenant predicate) | {plainRate:N1} | {Percentile(plain, 0.5):0.0} | {Percentile(plain, 0.99):0.0} | 1.00 |");
            Console.WriteLine(rows[^2]);
            Console.WriteLine(rows[^1]);
        }

        var classStudents = await StudentsAsync(superuser, district.TenantId, classShell);
        var (one, oneInside) = await TimePartsAsync(app, district, 300, async (scope, i) =>
            await scope.GetRequiredService<ScoreKeeper>().RecomputeAsync(classShell, [classStudents[i % classStudents.Count]], CancellationToken.None));
        var beforeClassChanges = DateTimeOffset.UtcNow; // the delta pull below asks for what changed since
        var whole = await TimeAsync(app, district, 30, (scope, _) =>
            scope.GetRequiredService<ScoreKeeper>().RecomputeAsync(classShell, null, CancellationToken.None));
        Func<IServiceProvider, Task> bigPage = async scope =>
        {
            var page = await scope.GetRequiredService<GradebookReading>().GetAsync(adminViewer, bigShell, new GradebookFilter(), 1, 50, CancellationToken.None);
            if (page.Students.Total < BigStudents || page.Assignments.Count != BigAssignments)
                throw new InvalidOperationException($"{page.Students.Total} students × {page.Assignments.Count} assignments");
        };
        var big = onlyRecompute ? [0] : await TimeAsync(app, district, 30, async (scope, _) => { await bigPage(scope); return 0; });

        // OneRoster results as a SIS pulls them: one class's (the class of 35 × 60), and the district's first page.
        var classSourcedId = await DistrictScope.RunAsync(app, district, async scope =>
            (string)(await scope.GetRequiredService<GradebookReader>().AllAsync(
                new Collection("classes", "class", GradebookCollections.ServedClasses, [], []), new GradebookScope(ShellId: classShell), CancellationToken.None))[0]["sourcedId"]!);
        async Task<long> ResultsAsync(IServiceProvider scope, bool ofClass, string? filter = null)
        {
            var reader = scope.GetRequiredService<GradebookReader>();
            var resultScope = ofClass ? new GradebookScope(ClassId: await reader.ClassAsync(classSourcedId, CancellationToken.None)) : new GradebookScope();
            var page = await reader.ListAsync(GradebookCollections.Results, GradebookQuery.Parse("100", null, null, null, filter, null),
                resultScope, "", CancellationToken.None);
            return page.Items.Count == Math.Min(100, page.Total) && page.Total > 0 ? page.Total
                : throw new InvalidOperationException($"{page.Items.Count} results on the first page of {page.Total}");
        }
        var classResults = onlyRecompute ? [0] : await TimeAsync(app, district, 30, (scope, _) => ResultsAsync(scope, ofClass: true));
        // District-wide pulls take up to seconds each: a few runs, no warm-up.
        async Task<(List<double> Ms, long Results)> DistrictPullAsync(int runs, string? filter)
        {
            var (ms, results) = (new List<double>(), 0L);
            for (var i = 0; i < (onlyRecompute ? 0 : runs); i++)
            {
                var call = Stopwatch.GetTimestamp();
                results = await DistrictScope.RunAsync(app, district, scope => ResultsAsync(scope, ofClass: false, filter));
                ms.Add(Stopwatch.GetElapsedTime(call).TotalMilliseconds);
            }
            return (ms, results);
        }
        var (districtResults, districtResultCount) = await DistrictPullAsync(2, null);
        // The nightly delta pull: everything modified since before the class's policy changes (its students' results).
        var (deltaResults, deltaCount) = await DistrictPullAsync(3, $"dateLastModified>'{beforeClassChanges:O}'");

        Console.WriteLine();
        Console.WriteLine($"District: {students:N0} students, {shellCount:N0} shells ({AssignmentsPerShell} assignments each; the class {ClassAssignments}; the big shell {BigStudents:N0} × {BigAssignments}); " +
                          $"{Clients} clients, RLS and twin interleaved in one-second slices, {Rounds * perRound.TotalSeconds:0} s each");
        Console.WriteLine();
        Console.WriteLine("| measure | variant | requests/s | p50 ms | p99 ms | RLS / twin |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var row in rows) Console.WriteLine(row);
        Console.WriteLine();
        Console.WriteLine("| measure | runs | p50 ms | p99 ms | target |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        Console.WriteLine($"| one student's recompute: RecomputeAsync, 1 student of {classSize}, inside the grade change's open transaction | {oneInside.Count} | {Percentile(oneInside, 0.5):0.00} | {Percentile(oneInside, 0.99):0.00} | p99 ≤ 5 ms |");
        Console.WriteLine($"| the same with a transaction of its own (scope, connection, begin, commit) | {one.Count} | {Percentile(one, 0.5):0.00} | {Percentile(one, 0.99):0.00} | |");
        Console.WriteLine($"| policy change on the class: all {classSize} students recomputed and stored, one transaction | {whole.Count} | {Percentile(whole, 0.5):0.0} | {Percentile(whole, 0.99):0.0} | ≤ 100 ms |");
        Console.WriteLine($"| first page (50 students) of the {BigStudents:N0} × {BigAssignments} gradebook | {big.Count} | {Percentile(big, 0.5):0.0} | {Percentile(big, 0.99):0.0} | ≤ 200 ms |");
        Console.WriteLine($"| OneRoster results of the class ({classSize} × {ClassAssignments}): count and first 100 (GradebookReader.ListAsync) | {classResults.Count} | {Percentile(classResults, 0.5):0.0} | {Percentile(classResults, 0.99):0.0} | |");
        if (districtResults.Count > 0)
            Console.WriteLine($"| OneRoster results of the district ({districtResultCount:N0}): count and first 100 | {districtResults.Count} | {Percentile(districtResults, 0.5):0} | {districtResults.Max():0} | |");
        if (deltaResults.Count > 0)
            Console.WriteLine($"| the district's delta pull, dateLastModified since before the class's policy changes ({deltaCount:N0} results): count and first 100 | {deltaResults.Count} | {Percentile(deltaResults, 0.5):0} | {deltaResults.Max():0} | |");
        Console.WriteLine();
        Console.WriteLine($"| whole-district recompute | shells | student scores | grade cells | seconds | cells/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| ScoreKeeper.RecomputeDistrictAsync, first: no score stored, {district1.Rewritten:N0} written ({ScoreKeeper.ShellsPerBatch} shells a batch, {ScoreKeeper.Workers} workers) | {shellCount:N0} | {scored:N0} | {cells:N0} | {districtSeconds:0.0} | **{cells / districtSeconds:N0}** (target ≥ 100,000) |");
        Console.WriteLine($"| again, every score stored: {district2.Rewritten:N0} rewritten (unchanged ones skipped by hash) | {district2.Shells:N0} | {district2.Students:N0} | {district2.GradeCells:N0} | {againSeconds:0.0} | **{district2.GradeCells / againSeconds:N0}** |");
        Console.WriteLine($"| the engine alone, one core, in-process ({ClassAssignments} assignments a student) | | | | | {engine.CellsPerSecond:N0} |");
        Console.WriteLine($"load average at the end: {Load()}");
        return 0;
    }

    static ServiceProvider Services(string connection)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:App"] = connection, ["Storage:Root"] = Path.GetTempPath(),
        }).Build();
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.TryAddSingleton(TimeProvider.System);
        services.AddLmsCore(configuration).AddCourseShells(configuration).AddAssignments().AddGrades().AddGradebook().AddPassback();
        return services.BuildServiceProvider();
    }

    /// <summary>Groups, assignments, effective dates and submissions for the whole district, set-based, as superuser (FK triggers off).</summary>
    static async Task<(Guid ClassShell, int ClassSize, Guid Teacher, Guid BigShell)> SeedAsync(string superuser, Guid tenant)
    {
        await using var conn = new NpgsqlConnection(superuser);
        await conn.OpenAsync();
        async Task<long> Run(string sql)
        {
            await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 3600 };
            cmd.Parameters.AddWithValue("t", tenant);
            return await cmd.ExecuteNonQueryAsync();
        }
        async Task<object[]> Row(string sql)
        {
            await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 3600 };
            cmd.Parameters.AddWithValue("t", tenant);
            await using var reader = await cmd.ExecuteReaderAsync();
            await reader.ReadAsync();
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            return values;
        }
        await Run("set session_replication_role = replica");
        await Run("update course_shells set status = 'published' where tenant_id = @t");
        // The class nearest 35 students, its teacher, and another shell to grow to 1,000 students.
        var pick = await Row("""
            with sizes as (
              select l.shell_id, count(distinct e.user_id) filter (where e.role = 'student') as students,
                     min(e.user_id::text) filter (where e.role = 'teacher') as teacher
              from course_shell_classes l join enrollments e on e.tenant_id = l.tenant_id and e.class_id = l.class_id and e.status = 'active'
              where l.tenant_id = @t group by l.shell_id)
            select s.shell_id, s.teacher::uuid, (select s2.shell_id from sizes s2 where s2.shell_id <> s.shell_id order by s2.shell_id limit 1)
            from sizes s where teacher is not null order by abs(s.students - 35), s.shell_id limit 1
            """);
        var (classShell, teacher, bigShell) = ((Guid)pick[0], (Guid)pick[1], (Guid)pick[2]);
        await Run($"""
            insert into enrollments (tenant_id, id, class_id, user_id, school_id, role, status)
            select @t, gen_random_uuid(), c.id, u.id, c.school_id, 'student', 'active'
            from (select id, school_id from classes where tenant_id = @t
                  and id = (select class_id from course_shell_classes where tenant_id = @t and shell_id = '{bigShell}' order by class_id limit 1)) c,
                 (select id from users where tenant_id = @t and id in (select user_id from enrollments where tenant_id = @t and role = 'student')
                  order by id limit {BigStudents}) u
            """);
        await Run("""
            insert into assignment_groups (tenant_id, id, shell_id, name, weight, drop_lowest, drop_highest, position)
            select s.tenant_id, gen_random_uuid(), s.id, g.name, g.weight, g.drop_lowest, 0, g.position
            from course_shells s,
                 (values ('Homework', 30, 1, 1), ('Quizzes', 20, 0, 2), ('Tests', 50, 0, 3)) g(name, weight, drop_lowest, position)
            where s.tenant_id = @t
            """);
        await Run($"""
            create temp table bench_assignments as
            select s.tenant_id, s.id as shell_id, gen_random_uuid() as id, gen_random_uuid() as content_id, n,
                   (select g.id from assignment_groups g where g.tenant_id = s.tenant_id and g.shell_id = s.id
                    and g.position = case when n % 5 = 0 then 3 when n % 3 = 0 then 2 else 1 end) as group_id,
                   (timestamptz '2026-09-01 23:59:00+00' + n * interval '2 days') as due_at
            from course_shells s, lateral generate_series(1, case when s.id = '{classShell}' then {ClassAssignments}
                                                                   when s.id = '{bigShell}' then {BigAssignments} else {AssignmentsPerShell} end) n
            where s.tenant_id = @t;
            analyze bench_assignments
            """);
        await Run("""
            insert into content_items (tenant_id, id, shell_id, kind, title, current_version_no)
            select tenant_id, content_id, shell_id, 'assignment', 'Assignment ' || n, 0 from bench_assignments
            """);
        await Run("""
            insert into assignments (tenant_id, id, shell_id, group_id, title, points_possible, due_at, content_item_id, published)
            select tenant_id, id, shell_id, group_id, 'Assignment ' || n, case when n % 5 = 0 then 100 else 10 end, due_at, content_id, true
            from bench_assignments
            """);
        await Run("""
            create temp table bench_learners as
            select distinct l.shell_id, e.user_id as student_id
            from course_shell_classes l join enrollments e on e.tenant_id = l.tenant_id and e.class_id = l.class_id
            where l.tenant_id = @t and e.role = 'student' and e.status = 'active';
            analyze bench_learners
            """);
        await Run("""
            insert into effective_due_dates (tenant_id, assignment_id, student_id, due_at, source)
            select @t, a.id, l.student_id, a.due_at, 'assignment'
            from bench_assignments a join bench_learners l on l.shell_id = a.shell_id
            """);
        // About 90 % graded (score from a hash: 50–100 % of the points), 1 in 12 submitted a day late, 1 in 50 excused.
        await Run("""
            insert into submissions (tenant_id, id, shell_id, assignment_id, student_id, workflow, score, excused, submitted_at, attempt_count, graded_at)
            select @t, gen_random_uuid(), a.shell_id, a.id, l.student_id, 'graded',
                   case when h % 50 = 0 then null else round((case when a.n % 5 = 0 then 100 else 10 end) * (50 + h % 51) / 100.0, 1) end,
                   h % 50 = 0, a.due_at - interval '3 hours' + case when h % 12 = 0 then interval '1 day' else interval '0' end, 1, a.due_at
            from bench_assignments a join bench_learners l on l.shell_id = a.shell_id,
                 lateral (select abs(hashtext(l.student_id::text || a.id::text)) as h) x
            where x.h % 10 <> 0
            """);
        var size = await Row($"select count(*)::int from bench_learners where shell_id = '{classShell}'");
        await Run("set session_replication_role = default; analyze");
        return (classShell, (int)size[0], teacher, bigShell);
    }

    /// <summary>
    /// The engine on one core: a 60-assignment student in three weighted groups with a drop, late work and a policy; with
    /// <paramref name="allPosted"/> false every seventh assignment is unposted, so the teacher's view is a second computation.
    /// </summary>
    public static (double Microseconds, double CellsPerSecond, double JsonMicroseconds) EngineAlone(bool allPosted = true)
    {
        var due = new DateTimeOffset(2026, 9, 1, 23, 59, 0, TimeSpan.Zero);
        var groups = new List<GradeGroup> { new("hw", "Homework", 30, 1, 0, []), new("q", "Quizzes", 20, 0, 0, []), new("t", "Tests", 50, 0, 0, []) };
        var assignments = Enumerable.Range(1, ClassAssignments).Select(n => new GradeAssignment($"a{n}", n % 5 == 0 ? "t" : n % 3 == 0 ? "q" : "hw",
            n % 5 == 0 ? 100 : 10, due.AddDays(2 * n), false, allPosted || n % 7 != 0, KeepAttempt.Highest)).ToList();
        var submissions = assignments.Where((_, i) => i % 10 != 9).Select((a, i) => new GradeSubmission(a.Id, a.PointsPossible * (50 + i * 7 % 51) / 100m, null,
            a.DueAt!.Value.AddHours(i % 12 == 0 ? 20 : -3), i % 50 == 0, null)).ToList();
        var description = new GradeDescription(Weighting.Percent, new LatePolicy(10, LateInterval.Day, 50), new MissingPolicy(100, 0),
            GradeDescription.DefaultScheme, due.AddDays(200), groups, assignments, submissions);
        // CPU time of this process, not the wall clock: on a shared machine the clock also counts other programs' turns.
        const int runs = 2000;
        // Warm up for two seconds, so the measured loop runs the JIT's optimised code (tiering promotes in the background).
        var warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm).TotalSeconds < 2) System.Text.Json.JsonSerializer.Serialize(GradeEngine.Compute(description));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        GradeResult result = null!;
        for (var i = 0; i < runs; i++) result = GradeEngine.Compute(description);
        var perStudent = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / runs;
        cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < runs; i++) ScoreKeeper.Serialize(result); // as stored: UTF-8, generated code
        var perJson = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / runs;
        return (perStudent, ClassAssignments / (perStudent / 1e6), perJson);
    }

    /// <summary>The district and measured shells of an earlier run on the same (--work) cluster, or null for a fresh one.</summary>
    static async Task<(District, Guid ClassShell, int ClassSize, Guid Teacher, Guid BigShell)?> KeptAsync(string superuser)
    {
        await using var conn = new NpgsqlConnection(superuser);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"""
            with counts as (select tenant_id, shell_id, count(*) as n from assignments group by tenant_id, shell_id)
            select t.id, t.name,
                   (select shell_id from counts c where c.tenant_id = t.id and c.n = {ClassAssignments} limit 1),
                   (select shell_id from counts c where c.tenant_id = t.id and c.n = {BigAssignments} limit 1)
            from tenants t where t.slug = 'bench'
            """, conn);
        Guid tenant, classShell, bigShell;
        string name;
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            if (!await reader.ReadAsync() || reader.IsDBNull(2) || reader.IsDBNull(3)) return null;
            (tenant, name, classShell, bigShell) = (reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.GetGuid(3));
        }
        await using var teacherCmd = new NpgsqlCommand("""
            select min(e.user_id::text)::uuid from course_shell_classes l
            join enrollments e on e.tenant_id = l.tenant_id and e.class_id = l.class_id and e.role = 'teacher' and e.status = 'active'
            where l.tenant_id = @t and l.shell_id = @s
            """, conn);
        teacherCmd.Parameters.AddWithValue("t", tenant);
        teacherCmd.Parameters.AddWithValue("s", classShell);
        var teacher = (Guid)(await teacherCmd.ExecuteScalarAsync())!;
        var students = await StudentsAsync(superuser, tenant, classShell);
        return (new District(tenant, "bench", name, DistrictStatus.Active), classShell, students.Count, teacher, bigShell);
    }

    static async Task<List<Guid>> StudentsAsync(string superuser, Guid tenant, Guid shell)
    {
        await using var conn = new NpgsqlConnection(superuser);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            select distinct e.user_id from course_shell_classes l
            join enrollments e on e.tenant_id = l.tenant_id and e.class_id = l.class_id and e.role = 'student' and e.status = 'active'
            where l.tenant_id = @t and l.shell_id = @s
            """, conn);
        cmd.Parameters.AddWithValue("t", tenant);
        cmd.Parameters.AddWithValue("s", shell);
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<Guid>();
        while (await reader.ReadAsync()) list.Add(reader.GetGuid(0));
        return list;
    }

    /// <summary>Runs <paramref name="work"/> <paramref name="runs"/> times, one after another, each in its own scope and transaction; returns the latencies.</summary>
    static async Task<List<double>> TimeAsync<T>(IServiceProvider services, District district, int runs, Func<IServiceProvider, int, Task<T>> work) =>
        (await TimePartsAsync(services, district, runs, work)).Whole;

    /// <summary>As <see cref="TimeAsync"/>, also returning the latencies of the work alone (inside the open transaction, without begin and commit).</summary>
    static async Task<(List<double> Whole, List<double> Work)> TimePartsAsync<T>(IServiceProvider services, District district, int runs,
        Func<IServiceProvider, int, Task<T>> work)
    {
        var (whole, inside) = (new List<double>(runs), new List<double>(runs));
        for (var i = 0; i < runs + 5; i++)
        {
            var call = Stopwatch.GetTimestamp();
            var workMs = await DistrictScope.RunAsync(services, district, async scope =>
            {
                var db = scope.GetRequiredService<LmsDbContext>();
                await using var tx = await db.Database.BeginTransactionAsync();
                await db.Database.ExecuteSqlRawAsync("select 1"); // the transaction is open (Npgsql sends BEGIN with the first statement)
                var started = Stopwatch.GetTimestamp();
                await work(scope, i);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                await tx.CommitAsync();
                return ms;
            });
            if (i < 5) continue; // the first five warm up
            whole.Add(Stopwatch.GetElapsedTime(call).TotalMilliseconds);
            inside.Add(workMs);
        }
        return (whole, inside);
    }
}
