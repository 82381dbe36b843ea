using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using LmsCloud.Api.Rostering;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Users;
using LmsCloud.Sis;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;

namespace LmsCloud.Tests.Rostering;

/// <summary>An API whose inbox also reads a folder (Sis:InboxRoot), and whose schedulers look for due triggers every second.</summary>
public sealed class InboxApi : ApiFactory
{
    /// <summary>Inside the storage folder only so that it goes away with it.</summary>
    public string InboxRoot => Path.Combine(StorageRoot, "sftp-inbox");

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [KeyValuePair.Create("Sis:InboxRoot", InboxRoot), KeyValuePair.Create("Sis:SchedulerIdleWaitTime", "00:00:01")];
}

/// <summary>The inbox, the schedule and its Quartz trigger, the nightly import's choice of package and its once-per-date key.</summary>
public sealed class NightlyImportTests(InboxApi api) : IClassFixture<InboxApi>
{
    static readonly DateTimeOffset Night1 = new(2027, 1, 12, 8, 0, 0, TimeSpan.Zero); // 02:00 in Chicago
    static readonly DateTimeOffset Night2 = Night1.AddDays(1);
    static readonly DateTimeOffset Night3 = Night1.AddDays(2);

    NightlyImport Nightly => api.Services.GetRequiredService<NightlyImport>();

    static string Sha256Of(string sample) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Samples.Zip(sample)))).ToLowerInvariant();

    /// <summary>Drops a sample into the district's inbox folder, written at the given time.</summary>
    string DropInFolder(DistrictSummary district, string sample, string name, DateTime writtenAt)
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(api.InboxRoot, district.Slug)).FullName, name);
        File.Copy(Samples.Zip(sample), path);
        File.SetLastWriteTimeUtc(path, writtenAt);
        return path;
    }

    [Fact]
    public async Task The_inbox_takes_uploads_and_folder_drops_without_importing_them()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);

        var upload = await RosterSamples.UploadAsync(admin, "northwind-1.1-bulk", path: "/api/sis/inbox");
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var stored = await upload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(Sha256Of("northwind-1.1-bulk"), stored.GetProperty("sha256").GetString());
        DropInFolder(district, "northwind-1.1-delta", "delta.zip", DateTime.UtcNow.AddHours(-1));
        File.WriteAllText(Path.Combine(api.InboxRoot, district.Slug, "notes.txt"), "not a package");
        // A zip that is not one (a transfer cut short, say) is listed with the reason the nightly job passes over it.
        File.WriteAllText(Path.Combine(api.InboxRoot, district.Slug, "broken.zip"), "PK truncated");
        File.SetLastWriteTimeUtc(Path.Combine(api.InboxRoot, district.Slug, "broken.zip"), DateTime.UtcNow.AddHours(-2));

        var inbox = (await admin.GetFromJsonAsync<JsonElement>("/api/sis/inbox")).EnumerateArray().ToList();
        Assert.Equal(["upload", "folder", "folder"], inbox.Select(i => i.GetProperty("source").GetString()));
        Assert.Equal(stored.GetProperty("name").GetString(), inbox[0].GetProperty("name").GetString());
        Assert.Equal(["delta.zip", "broken.zip"], inbox.Skip(1).Select(i => i.GetProperty("name").GetString()));
        Assert.Equal([null, null, PackageCheck.NotAZip], inbox.Select(i => i.GetProperty("refused").GetString()));
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/sis/imports")).GetProperty("total").GetInt32());

        await HttpAssert.ProblemAsync(
            await admin.PostAsync("/api/sis/inbox", RosterSamples.Form("not a zip"u8.ToArray())), HttpStatusCode.BadRequest, "Not a zip");
        await HttpAssert.ProblemAsync(
            await (await api.ClientAsAsync(district, Roles.Teacher)).GetAsync("/api/sis/inbox"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_nightly_import_takes_the_newest_package_not_yet_imported_once_per_local_date()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        Assert.Equal(NightlyImportResult.NothingNew, (await Nightly.RunAsync(district.Id, Night1, default)).Outcome);

        Assert.Equal(HttpStatusCode.Created, (await RosterSamples.UploadAsync(admin, "northwind-1.1-bulk", path: "/api/sis/inbox")).StatusCode);
        var first = await Nightly.RunAsync(district.Id, Night1, default);
        Assert.Equal((NightlyImportResult.Imported, "succeeded"), (first.Outcome, first.Status));
        var run = await admin.GetFromJsonAsync<JsonElement>($"/api/sis/imports/{first.RunId}");
        Assert.Equal("schedule", run.GetProperty("trigger").GetString());
        Assert.Equal("2027-01-12", run.GetProperty("runDate").GetString());
        Assert.Equal("system:nightly-import", run.GetProperty("requestedBy").GetString());
        Assert.Equal(Sha256Of("northwind-1.1-bulk"), run.GetProperty("packageSha256").GetString());

        // The same date again (a retry after a crash, a second node): nothing happens.
        Assert.Equal(NightlyImportResult.AlreadyRan, (await Nightly.RunAsync(district.Id, Night1.AddMinutes(30), default)).Outcome);
        // The next night, nothing new in the inbox: no run.
        Assert.Equal(NightlyImportResult.NothingNew, (await Nightly.RunAsync(district.Id, Night2, default)).Outcome);

        // An old file and a newer one arrive in the folder: the newest is taken, the older one never.
        DropInFolder(district, "northwind-1.1-errors", "monday.zip", DateTime.UtcNow.AddDays(-3));
        DropInFolder(district, "northwind-1.1-delta", "thursday.zip", DateTime.UtcNow.AddMinutes(1));
        var second = await Nightly.RunAsync(district.Id, Night2, default);
        Assert.Equal(NightlyImportResult.Imported, second.Outcome);
        run = await admin.GetFromJsonAsync<JsonElement>($"/api/sis/imports/{second.RunId}");
        Assert.Equal(("thursday.zip", Sha256Of("northwind-1.1-delta"), "2027-01-13"),
            (run.GetProperty("packageName").GetString(), run.GetProperty("packageSha256").GetString(), run.GetProperty("runDate").GetString()));
        Assert.Equal(NightlyImportResult.NothingNew, (await Nightly.RunAsync(district.Id, Night3, default)).Outcome); // monday.zip would roll back

        var scheduled = (await admin.GetFromJsonAsync<JsonElement>("/api/sis/imports")).GetProperty("items").EnumerateArray()
            .Where(r => r.GetProperty("trigger").GetString() == "schedule").ToList();
        Assert.Equal(2, scheduled.Count);
    }

    [Fact]
    public async Task Two_firings_for_one_date_at_once_make_one_run()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        Assert.Equal(HttpStatusCode.Created, (await RosterSamples.UploadAsync(admin, "northwind-1.1-bulk", path: "/api/sis/inbox")).StatusCode);

        var results = await Task.WhenAll(Nightly.RunAsync(district.Id, Night1, default), Nightly.RunAsync(district.Id, Night1, default));

        // Exactly one imports; the other finds the date taken, or (when it looks after the first finished) the package imported.
        Assert.Single(results, r => r.Outcome == NightlyImportResult.Imported);
        Assert.Single(results, r => r.Outcome is NightlyImportResult.AlreadyRan or NightlyImportResult.NothingNew);
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from import_runs where trigger = 'schedule'"));
    }

    [Fact]
    public async Task The_once_per_date_key_is_the_unique_index_the_nightly_import_expects()
    {
        var district = await api.Database.CreateDistrictAsync();
        var date = new DateOnly(2027, 3, 1);
        Task<Guid> CreateAsync() => LmsCloud.Sis.RosterImporter.CreateRunAsync(api.Database.App, district.Id, "/nowhere.zip", "x.zip", "sha",
            "schedule", false, "test", date);
        await CreateAsync();

        var e = await Assert.ThrowsAsync<PostgresException>(CreateAsync);

        Assert.Equal((PostgresErrorCodes.UniqueViolation, "import_runs_scheduled_once"), (e.SqlState, e.ConstraintName));
        Assert.Equal(NightlyImportResult.AlreadyRan,
            (await Nightly.RunAsync(district.Id, new DateTimeOffset(2027, 3, 1, 8, 0, 0, TimeSpan.Zero), default)).Outcome);
    }

    [Fact]
    public async Task The_schedule_keeps_a_quartz_trigger_in_the_districts_time_zone()
    {
        var district = await api.Database.CreateDistrictAsync(); // America/Chicago
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var scheduler = await api.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var triggerKey = NightlyImportTriggers.TriggerKeyFor(district.Id);

        var initial = await admin.GetFromJsonAsync<JsonElement>("/api/sis/schedule");
        Assert.False(initial.GetProperty("enabled").GetBoolean());
        Assert.Equal("0 0 2 * * ?", initial.GetProperty("cronExpression").GetString());
        Assert.Equal("America/Chicago", initial.GetProperty("timeZone").GetString());
        Assert.Equal(JsonValueKind.Null, initial.GetProperty("nextRunAt").ValueKind);

        var on = await (await admin.PutAsJsonAsync("/api/sis/schedule", new { enabled = true })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(on.GetProperty("enabled").GetBoolean());
        var next = on.GetProperty("nextRunAt").GetDateTimeOffset();
        Assert.Equal((2, 0), (next.Hour, next.Minute)); // 02:00 district time, with the district's offset
        Assert.Equal(TimeZoneInfo.FindSystemTimeZoneById("America/Chicago").GetUtcOffset(next), next.Offset);
        var trigger = Assert.IsAssignableFrom<ICronTrigger>(await scheduler.GetTrigger(triggerKey));
        Assert.Equal(("0 0 2 * * ?", "America/Chicago"), (trigger.CronExpressionString, trigger.TimeZone.Id));
        Assert.Equal(NightlyImportTriggers.JobKeyFor(district.Id), trigger.JobKey);
        Assert.True((await scheduler.GetJobDetail(trigger.JobKey))!.ConcurrentExecutionDisallowed); // [DisallowConcurrentExecution], per district

        // The district moves: the trigger follows its clock.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/district",
            new { displayName = district.Name, timeZone = "America/Denver", locale = "en-US" })).StatusCode);
        Assert.Equal("America/Denver", ((ICronTrigger)(await scheduler.GetTrigger(triggerKey))!).TimeZone.Id);

        var bad = await admin.PutAsJsonAsync("/api/sis/schedule", new { enabled = true, cronExpression = "0 0 2 * *" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("cronExpression", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").ToString());

        var weekdays = await (await admin.PutAsJsonAsync("/api/sis/schedule", new { enabled = true, cronExpression = "0 30 5 ? * MON-FRI" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("0 30 5 ? * MON-FRI", weekdays.GetProperty("cronExpression").GetString());
        Assert.Equal("0 30 5 ? * MON-FRI", ((ICronTrigger)(await scheduler.GetTrigger(triggerKey))!).CronExpressionString);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/sis/schedule", new { enabled = false })).StatusCode);
        Assert.Null(await scheduler.GetTrigger(triggerKey));
        Assert.Contains("sis_schedule.changed", await admin.GetStringAsync("/api/audit/events?action=sis_schedule.changed"));
        await HttpAssert.ProblemAsync(await (await api.ClientAsAsync(district, Roles.Teacher)).GetAsync("/api/sis/schedule"),
            HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_starting_node_puts_back_the_triggers_the_job_store_lost()
    {
        var district = await api.Database.CreateDistrictAsync(); // America/Chicago
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var scheduler = await api.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var triggerKey = NightlyImportTriggers.TriggerKeyFor(district.Id);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/sis/schedule", new { enabled = true, cronExpression = "0 15 3 * * ?" })).StatusCode);

        // Quartz's tables lose every job and trigger (a restore without them, a rebuilt job store); sis_schedules keeps the schedule.
        await DatabaseReset.ResetAsync(api.Database, DatabaseReset.QuartzJobStore);
        Assert.Null(await scheduler.GetTrigger(triggerKey));

        await using var restarted = api.AnotherNode();
        restarted.CreateClient(); // starts its host, whose startup sync brings every district's trigger in step
        var trigger = await Eventually.MatchAsync(async () => await scheduler.GetTrigger(triggerKey), t => t != null);

        var cron = Assert.IsAssignableFrom<ICronTrigger>(trigger);
        Assert.Equal(("0 15 3 * * ?", "America/Chicago"), (cron.CronExpressionString, cron.TimeZone.Id));
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/sis/schedule", new { enabled = false })).StatusCode);
    }

    [Fact]
    public async Task Two_clustered_schedulers_over_one_database_run_a_districts_nightly_import_once_per_date()
    {
        await using var secondNode = api.AnotherNode();
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var viaSecondNode = secondNode.ClientFor(district.Slug, admin.DefaultRequestHeaders.Authorization!.Parameter!); // starts its host
        Assert.Equal(HttpStatusCode.Created, (await RosterSamples.UploadAsync(viaSecondNode, "northwind-1.1-bulk", path: "/api/sis/inbox")).StatusCode);

        // Every two seconds: many firings, all for today's date, spread over both nodes.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/sis/schedule", new { enabled = true, cronExpression = "0/2 * * * * ?" })).StatusCode);
        // The job's "fired" log event, by its template and structured values (not by words of the formatted line).
        List<LogEntry> Firings() => api.Logs.Concat(secondNode.Logs)
            .Where(l => l.Template == "Nightly import of district {TenantId} fired for {ScheduledAt:o} on {SchedulerInstance}" &&
                        Equals(l.Values["TenantId"], district.Id)).ToList();
        await Eventually.MatchAsync(() => Task.FromResult(Firings()), f => f.Count >= 4, timeoutMs: 20_000);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/sis/schedule", new { enabled = false })).StatusCode);

        var firings = Firings();
        Assert.True(firings.Count >= 4, $"{firings.Count} firings");
        var scheduledTimes = firings.Select(f => Assert.IsType<DateTimeOffset>(f.Values["ScheduledAt"])).ToList();
        Assert.Equal(scheduledTimes.Count, scheduledTimes.Distinct().Count()); // no fire time ran on two nodes
        var runs = (await admin.GetFromJsonAsync<JsonElement>("/api/sis/imports")).GetProperty("items").EnumerateArray().ToList();
        var chicago = TimeZoneInfo.FindSystemTimeZoneById("America/Chicago");
        var localDates = scheduledTimes.Select(t => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t, chicago).DateTime)).Distinct();
        Assert.Equal(localDates.Count(), runs.Count); // one run per local date: one, unless the test straddled midnight in Chicago
        Assert.All(runs, r => Assert.Equal("schedule", r.GetProperty("trigger").GetString()));
        await using var conn = await api.Database.OpenAsTenantAsync(null);
        Assert.Equal(2L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from qrtz_scheduler_state where sched_name = 'LmsCloud'"));
    }
}
