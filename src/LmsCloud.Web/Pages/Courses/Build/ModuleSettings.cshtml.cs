using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Build;

/// <summary>
/// A module's settings for the course's teachers: title, unlock date (a day in the district's time zone), sequential,
/// completion all/any, prerequisites picked from the earlier modules (<see cref="ShellEditing.UpdateModuleAsync"/>); and
/// delete, which asks first (<see cref="ShellEditing.DeleteModuleAsync"/>). 404 for a course the caller cannot read,
/// 403 for one they read but may not change; field errors of the service in place.
/// </summary>
public sealed class ModuleSettingsModel(ShellReading reading, ShellEditing editing, DistrictBranding branding) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public ShellModuleResponse Module { get; private set; } = null!;
    public IReadOnlyList<ShellModuleResponse> Earlier => Detail.Modules.Where(m => m.Position < Module.Position).ToList();
    public Dictionary<string, string> Errors { get; } = [];
    public string? Refusal { get; private set; }
    public bool ConfirmDelete { get; private set; }
    /// <summary>What the form shows: the module's values, or what was posted when it was refused.</summary>
    public SettingsForm Form { get; private set; } = null!;
    public DateOnly? UnlockOn { get; private set; }

    public sealed record SettingsForm(string? Title, DateOnly? UnlockOn, bool Sequential, string Completion, IReadOnlyList<Guid> Prerequisites);

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(Guid id, Guid moduleId, bool delete = false)
    {
        if (await LoadAsync(id, moduleId) is { } refused) return refused;
        ConfirmDelete = delete;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, Guid moduleId, string? title, DateOnly? unlockOn, bool sequential, string? completion,
        List<Guid>? prerequisites)
    {
        if (await LoadAsync(id, moduleId) is { } refused) return refused;
        try
        {
            var unlockAt = unlockOn is { } day ? await StartOfDayAsync(day) : (DateTimeOffset?)null;
            await editing.UpdateModuleAsync(Viewer, id, moduleId,
                new ModuleInput(title ?? "", unlockAt, sequential, completion, prerequisites ?? []), clearUnlock: unlockOn == null, Ct);
            return Redirect($"/courses/{id}?done=module-saved");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id, moduleId) == null, () =>
            {
                Form = new(title, unlockOn, sequential, completion ?? "all", prerequisites ?? []);
                if (refusal.Errors != null) foreach (var (field, messages) in refusal.Errors) Errors[field] = messages[0];
                else Refusal = CourseText.Message(refusal);
            });
        }
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, Guid moduleId)
    {
        if (await LoadAsync(id, moduleId) is { } refused) return refused;
        try
        {
            await editing.DeleteModuleAsync(Viewer, id, moduleId, Ct);
            return Redirect($"/courses/{id}?done=deleted");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id, moduleId) == null, () => Refusal = CourseText.Message(refusal));
        }
    }

    /// <summary>Null when loaded; else the answer: 404 (not readable, no such module) or 403 (readable, not editable).</summary>
    async Task<IActionResult?> LoadAsync(Guid id, Guid moduleId)
    {
        if (await reading.GetAsync(Viewer, id, Ct) is not { } detail) return NotFound();
        if (!detail.CanEdit) return Forbid();
        if (detail.Modules.FirstOrDefault(m => m.Id == moduleId) is not { } module) return NotFound();
        (Detail, Module) = (detail, module);
        UnlockOn = module.UnlockAt is { } at ? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, await ZoneAsync()).DateTime) : null;
        Form = new(module.Title, UnlockOn, module.Sequential, module.Completion, module.Prerequisites);
        return null;
    }

    async Task<TimeZoneInfo> ZoneAsync()
    {
        var look = await branding.CurrentAsync();
        return TimeZoneInfo.TryFindSystemTimeZoneById(look.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
    }

    /// <summary>A date from the form is the start of that day in the district's time zone.</summary>
    async Task<DateTimeOffset> StartOfDayAsync(DateOnly day)
    {
        var zone = await ZoneAsync();
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    public string? Error(string field) => Errors.TryGetValue(field, out var message) ? message : null;
}
