using LmsCloud.Core.Database;
using System.Text.Json;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Imports;

/// <summary>One changed field of a change: its old and new value as text.</summary>
public sealed record FieldChange(string Field, string? Old, string? New);

/// <summary>
/// A run's change list, paged and filtered by entity type and action, each change's changed fields as old → new; the
/// same demographics rule and <c>demographics.viewed</c> audit as <c>GET /api/sis/imports/{id}/changes</c>
/// (<see cref="ImportReview.ChangesAsync"/>).
/// </summary>
public sealed class ChangesModel(ImportReview review) : PageModel
{
    public const int PageSize = 50;

    public Guid RunId { get; private set; }
    [FromQuery(Name = "entity")] public string? Entity { get; set; }
    [FromQuery(Name = "action")] public string? Action { get; set; }
    public List<string> Entities { get; private set; } = [];
    public List<string> Actions { get; private set; } = [];
    public PagedList<ImportChangeResponse> Changes { get; private set; } = null!;
    public Pager Pager { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, [FromQuery(Name = "page")] int page = 1)
    {
        var ct = HttpContext.RequestAborted;
        RunId = id;
        var readsDemographics = ImportPages.ReadsDemographics(User);
        (Entities, Actions) = await review.ChangeFacetsAsync(id, readsDemographics, ct);
        if (Entity != null && !Entities.Contains(Entity)) Entity = null;
        if (Action != null && !Actions.Contains(Action)) Action = null;
        if (await review.ChangesAsync(id, Entity, Action, Math.Max(1, page), PageSize, readsDemographics, ct) is not { } changes) return NotFound();
        Changes = changes;
        Pager = new Pager($"/imports/{id}/changes", changes.Page, PageSize, changes.Total,
            new Dictionary<string, string?> { ["entity"] = Entity, ["action"] = Action });
        return Page();
    }

    /// <summary>The fields a change lists (only changed ones are stored), each with its old and new value.</summary>
    public static List<FieldChange> Fields(ImportChangeResponse change)
    {
        var fields = new List<FieldChange>();
        var old = change.OldValues is { ValueKind: JsonValueKind.Object } o ? o : (JsonElement?)null;
        var @new = change.NewValues is { ValueKind: JsonValueKind.Object } n ? n : (JsonElement?)null;
        var names = (old?.EnumerateObject().Select(p => p.Name) ?? []).Concat(@new?.EnumerateObject().Select(p => p.Name) ?? []).Distinct();
        foreach (var name in names)
            fields.Add(new FieldChange(name, Text(old, name), Text(@new, name)));
        return fields;
    }

    static string? Text(JsonElement? values, string name) =>
        values is { } v && v.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
                _ => value.GetRawText(),
            }
            : null;
}
