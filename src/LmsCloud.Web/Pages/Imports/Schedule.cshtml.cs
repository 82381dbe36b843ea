using LmsCloud.Sis;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Imports;

/// <summary>
/// The nightly import's schedule: on or off and the time of day in the district's time zone, with the next run; saved
/// as <c>PUT /api/sis/schedule</c> saves it (<see cref="NightlySchedule"/>, audited). The form edits a daily time; a
/// schedule set through the API with another cron expression is shown as it is and kept unless the time is changed.
/// </summary>
public sealed class ScheduleModel(NightlySchedule nightly) : PageModel
{
    public ScheduleResponse Schedule { get; private set; } = null!;
    [BindProperty] public bool Enabled { get; set; }
    [BindProperty] public string? Time { get; set; }
    public bool Saved { get; private set; }
    public List<string> Errors { get; } = [];

    /// <summary>The daily time of a Quartz cron "0 M H * * ?", or null for any other expression.</summary>
    public static string? DailyTime(string cron) =>
        cron.Split(' ') is ["0", var m, var h, "*", "*", "?"] && int.TryParse(m, out var minute) && int.TryParse(h, out var hour) &&
        minute is >= 0 and < 60 && hour is >= 0 and < 24
            ? $"{hour:00}:{minute:00}"
            : null;

    public async Task OnGetAsync([FromQuery(Name = "saved")] bool saved = false)
    {
        Saved = saved;
        Schedule = await nightly.GetAsync(HttpContext.RequestAborted);
        Enabled = Schedule.Enabled;
        Time = DailyTime(Schedule.CronExpression);
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        var currentCron = await nightly.CronExpressionAsync(ct);
        string? cron;
        if (string.IsNullOrWhiteSpace(Time) && DailyTime(currentCron) == null) cron = currentCron; // keep the API's expression
        else if (TimeOnly.TryParseExact(Time?.Trim(), ["HH:mm", "H:mm"], out var time)) cron = $"0 {time.Minute} {time.Hour} * * ?";
        else
        {
            Errors.Add("Enter the time as hours and minutes, such as 02:00.");
            return await InvalidAsync(ct);
        }
        var (saved, errors) = await nightly.UpdateAsync(new ScheduleRequest(Enabled, cron), ct);
        if (saved == null)
        {
            Errors.AddRange(errors!.Values.SelectMany(m => m));
            return await InvalidAsync(ct);
        }
        return Redirect("/imports/schedule?saved=true");
    }

    /// <summary>The form again with its errors, over the schedule as stored (the next fire time is looked up only here).</summary>
    async Task<IActionResult> InvalidAsync(CancellationToken ct)
    {
        Schedule = await nightly.GetAsync(ct);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
