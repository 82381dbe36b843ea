using LmsCloud.Api.Auth;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LmsCloud.Api.Rostering;

/// <summary>
/// <c>/api/sis/schedule</c>: when the nightly import runs (district admins). A Quartz cron expression in the district's
/// own time zone (its profile's); 02:00 unless said otherwise. No schedule saved means no nightly import
/// (<see cref="NightlySchedule"/>, which the schedule page uses too).
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

    static async Task<Ok<ScheduleResponse>> GetAsync(NightlySchedule schedule, CancellationToken ct) => TypedResults.Ok(await schedule.GetAsync(ct));

    static async Task<Results<Ok<ScheduleResponse>, ValidationProblem>> PutAsync(ScheduleRequest request, NightlySchedule schedule, CancellationToken ct)
    {
        var (saved, errors) = await schedule.UpdateAsync(request, ct);
        return saved != null ? TypedResults.Ok(saved) : TypedResults.ValidationProblem(errors!);
    }
}
