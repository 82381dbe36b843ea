using LmsCloud.Api.Auth;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace LmsCloud.Api.Rostering;

public sealed record ScheduleResponse(bool Enabled, string CronExpression, string TimeZone, DateTimeOffset? NextRunAt, DateTimeOffset? UpdatedAt);

public sealed record ScheduleRequest(bool? Enabled, string? CronExpression);

/// <summary>
/// <c>/api/sis/schedule</c>: when the nightly import runs (district admins). A Quartz cron expression in the district's
/// own time zone (its profile's); 02:00 unless said otherwise. No schedule saved means no nightly import.
/// </summary>
public static class ScheduleEndpoints
{
    public static IEndpointRouteBuilder MapScheduleEndpoints(this IEndpointRouteBuilder app)
    {
        var schedule = app.MapGroup("/api/sis/schedule").WithTags("SIS import").RequireAuthorization(Policies.DistrictAdmin);
        schedule.MapGet("/", GetAsync);
        schedule.MapPut("/", PutAsync);
        return app;
    }

    static async Task<Ok<ScheduleResponse>> GetAsync(LmsDbContext db, NightlyImportTriggers triggers, CancellationToken ct) =>
        TypedResults.Ok(await ToResponseAsync(db, triggers, ct));

    static async Task<Results<Ok<ScheduleResponse>, ValidationProblem>> PutAsync(ScheduleRequest request, LmsDbContext db, AuditLog audit,
        NightlyImportTriggers triggers, TimeProvider clock, CancellationToken ct)
    {
        var cron = string.IsNullOrWhiteSpace(request.CronExpression) ? SisSchedule.DefaultCron : request.CronExpression.Trim();
        var errors = new Dictionary<string, string[]>();
        if (request.Enabled == null) errors["enabled"] = ["Say whether the nightly import is on (true or false)."];
        // Quartz 4 has no CronExpression.IsValidExpression; TryParse is its replacement.
        if (!CronExpression.TryParse(cron, out _))
            errors["cronExpression"] = [$"'{cron}' is not a Quartz cron expression (seconds first, e.g. '0 0 2 * * ?' for 02:00 daily)."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

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
        return TypedResults.Ok(await ToResponseAsync(db, triggers, ct));
    }

    static async Task<ScheduleResponse> ToResponseAsync(LmsDbContext db, NightlyImportTriggers triggers, CancellationToken ct)
    {
        var schedule = await db.SisSchedules.AsNoTracking().SingleOrDefaultAsync(ct);
        var timeZone = (await db.DistrictProfiles.AsNoTracking().SingleAsync(ct)).TimeZone;
        var next = await triggers.NextFireTimeAsync(db.TenantId!.Value, ct) is { } utc
            ? TimeZoneInfo.ConvertTime(utc, TimeZoneInfo.FindSystemTimeZoneById(timeZone)) // shown in district time
            : (DateTimeOffset?)null;
        return new ScheduleResponse(schedule?.Enabled ?? false, schedule?.CronExpression ?? SisSchedule.DefaultCron, timeZone, next,
            schedule?.UpdatedAt);
    }
}
