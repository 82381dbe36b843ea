using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace LmsCloud.Sis;

public sealed record ScheduleResponse(bool Enabled, string CronExpression, string TimeZone, DateTimeOffset? NextRunAt, DateTimeOffset? UpdatedAt);

public sealed record ScheduleRequest(bool? Enabled, string? CronExpression);

/// <summary>
/// How the host's scheduler follows a district's schedule: bring its trigger in step after a change, and when it fires
/// next. The host owns the Quartz job (its class name is stored in <c>qrtz_job_details</c>, so it stays in the host's
/// assembly); it registers these two calls of its <c>NightlyImportTriggers</c>.
/// </summary>
public sealed record NightlyScheduleTriggers(Func<LmsDbContext, CancellationToken, Task> SyncAsync,
    Func<Guid, CancellationToken, Task<DateTimeOffset?>> NextFireTimeAsync);

/// <summary>
/// A district's nightly import schedule (<c>sis_schedules</c>): a Quartz cron expression in the district's own time zone
/// (its profile's), 02:00 unless said otherwise; no schedule saved means no nightly import. Read and changed here by
/// <c>/api/sis/schedule</c> and the schedule page alike; a change is audited (<c>sis_schedule.changed</c>).
/// </summary>
public sealed class NightlySchedule(LmsDbContext db, AuditLog audit, NightlyScheduleTriggers triggers, TimeProvider clock)
{
    public async Task<ScheduleResponse> GetAsync(CancellationToken ct)
    {
        var schedule = await db.SisSchedules.AsNoTracking().SingleOrDefaultAsync(ct);
        var timeZone = (await db.DistrictProfiles.AsNoTracking().SingleAsync(ct)).TimeZone;
        var next = await triggers.NextFireTimeAsync(db.TenantId!.Value, ct) is { } utc
            ? TimeZoneInfo.ConvertTime(utc, TimeZoneInfo.FindSystemTimeZoneById(timeZone)) // shown in district time
            : (DateTimeOffset?)null;
        return new ScheduleResponse(schedule?.Enabled ?? false, schedule?.CronExpression ?? SisSchedule.DefaultCron, timeZone, next,
            schedule?.UpdatedAt);
    }

    /// <summary>The stored cron expression (or the default): what a form needs before it saves, without the trigger's next fire time.</summary>
    public async Task<string> CronExpressionAsync(CancellationToken ct) =>
        await db.SisSchedules.AsNoTracking().Select(s => s.CronExpression).SingleOrDefaultAsync(ct) ?? SisSchedule.DefaultCron;

    /// <summary>Saves the schedule (audited when it changed) and brings the trigger in step; field errors for bad input.</summary>
    public async Task<(ScheduleResponse? Schedule, Dictionary<string, string[]>? Errors)> UpdateAsync(ScheduleRequest request, CancellationToken ct)
    {
        var cron = string.IsNullOrWhiteSpace(request.CronExpression) ? SisSchedule.DefaultCron : request.CronExpression.Trim();
        var errors = new Dictionary<string, string[]>();
        if (request.Enabled == null) errors["enabled"] = ["Say whether the nightly import is on (true or false)."];
        // Quartz 4 has no CronExpression.IsValidExpression; TryParse is its replacement.
        if (!CronExpression.TryParse(cron, out _))
            errors["cronExpression"] = [$"'{cron}' is not a Quartz cron expression (seconds first, e.g. '0 0 2 * * ?' for 02:00 daily)."];
        if (errors.Count > 0) return (null, errors);

        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var schedule = await db.SisSchedules.SingleOrDefaultAsync(ct);
            var before = schedule == null ? null : new { schedule.Enabled, schedule.CronExpression };
            if (schedule == null) db.SisSchedules.Add(schedule = new SisSchedule { TenantId = db.TenantId!.Value });
            schedule.Enabled = request.Enabled!.Value;
            schedule.CronExpression = cron;
            var after = new { schedule.Enabled, schedule.CronExpression };
            if (!Equals(after, before))
            {
                schedule.UpdatedAt = clock.GetUtcNow();
                await db.SaveChangesAsync(ct);
                await audit.WriteAsync(new AuditEntry("sis_schedule.changed", "sis_schedule", schedule.TenantId.ToString(), Before: before, After: after), ct);
                await tx.CommitAsync(ct);
            }
        }
        // After the commit: a trigger must never exist for a schedule that does not. Should this fail, the next start
        // of any node brings the trigger in step again.
        await triggers.SyncAsync(db, ct);
        return (await GetAsync(ct), null);
    }
}
