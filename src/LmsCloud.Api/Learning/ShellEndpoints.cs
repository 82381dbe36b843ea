using System.Security.Claims;
using LmsCloud.Api.Http;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Rostering;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using static LmsCloud.Api.Learning.ShellResults;

namespace LmsCloud.Api.Learning;

public sealed record ShellStatusRequest(string? Status);
public sealed record ShellSourceRequest(Guid SourceShellId);
public sealed record ReorderRequest(IReadOnlyList<Guid>? Order);
public sealed record ModuleRequest(string? Title, DateTimeOffset? UnlockAt, bool? Sequential, string? Completion, IReadOnlyList<Guid>? Prerequisites,
    bool ClearUnlockAt = false);
public sealed record ItemRequest(string? Kind, string? Title, string? Url, string? Body, string? Requirement, decimal? MinScore);
public sealed record ItemUpdateRequest(string? Title, string? Url, string? Requirement, decimal? MinScore, bool ClearRequirement = false);
public sealed record PublishRequest(bool Published = true, int? VersionNo = null);
public sealed record VersionRequest(string? Body);
public sealed record CopyResponse(int ItemsCopied);
public sealed record ReorderResponse(int PrerequisitesDropped);

/// <summary>
/// Course shells over HTTP (docs/learning.md, "API"). The contract: <c>GET /api/shells</c> lists the caller's shells
/// (a teacher's own, a student's enrolled, a guardian's children's, an admin's all; paged) and <c>GET /api/shells/{id}</c>
/// returns one with its modules and items (with lock states for a student). Everything else under /api/shells/{id}/…
/// edits: the services check the role on the server (404 for a shell the caller cannot see, 403 for one they may only
/// read, 409 for an archived one) and answer bad input with a validation problem. <c>/progress</c> is the progress feature's.
/// </summary>
public static class ShellEndpoints
{
    const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapShellEndpoints(this IEndpointRouteBuilder app)
    {
        var shells = app.MapGroup("/api/shells").WithTags("Course shells");
        shells.MapGet("/", ListAsync);
        shells.MapGet("/{id:guid}", GetAsync);
        shells.MapPatch("/{id:guid}", (Guid id, ShellInput body, ShellEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            Run(async () => Summary(await editing.UpdateShellAsync(ShellViewer.From(p), id, body, ct))));
        shells.MapPost("/{id:guid}/status", (Guid id, ShellStatusRequest body, ShellEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            Run(async () => Summary(await editing.SetStatusAsync(ShellViewer.From(p), id, body.Status, ct))));
        shells.MapPost("/{id:guid}/merge", (Guid id, ShellSourceRequest body, ShellEditing editing, ShellReading reading, ClaimsPrincipal p, CancellationToken ct) =>
            Run(async () =>
            {
                await editing.MergeAsync(ShellViewer.From(p), id, body.SourceShellId, ct);
                return (await reading.GetAsync(ShellViewer.From(p), id, ct))!.Shell;
            }));
        shells.MapPost("/{id:guid}/copy", (Guid id, ShellSourceRequest body, ShellEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            Run(async () => new CopyResponse(await editing.CopyAsync(ShellViewer.From(p), id, body.SourceShellId, ct))));

        shells.MapPost("/{id:guid}/modules", (Guid id, ModuleRequest body, ShellEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            Run(async () => await editing.CreateModuleAsync(ShellViewer.From(p), id, Module(body), ct)));
        shells.MapPatch("/{id:guid}/modules/{moduleId:guid}", (Guid id, Guid moduleId, ModuleRequest body, ShellEditing editing, ClaimsPrincipal p,
            CancellationToken ct) => Run(async () => await editing.UpdateModuleAsync(ShellViewer.From(p), id, moduleId, Module(body), body.ClearUnlockAt, ct)));
        shells.MapDelete("/{id:guid}/modules/{moduleId:guid}", (Guid id, Guid moduleId, ShellEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            RunNoContent(() => editing.DeleteModuleAsync(ShellViewer.From(p), id, moduleId, ct)));
        shells.MapPut("/{id:guid}/modules/order", (Guid id, ReorderRequest body, ShellEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            Run(async () => new ReorderResponse(await editing.ReorderModulesAsync(ShellViewer.From(p), id, body.Order, ct))));

        shells.MapPost("/{id:guid}/modules/{moduleId:guid}/items", (Guid id, Guid moduleId, ItemRequest body, ShellEditing editing, ClaimsPrincipal p,
            CancellationToken ct) => Run(async () => await editing.CreateItemAsync(ShellViewer.From(p), id, moduleId,
                new ItemInput(body.Kind, body.Title, body.Url, body.Body, body.Requirement, body.MinScore), null, ct)));
        shells.MapPost("/{id:guid}/modules/{moduleId:guid}/files", (Guid id, Guid moduleId, IFormFile file, [FromForm] string? title,
            [FromForm] string? requirement, ShellEditing editing, ClaimsPrincipal p, CancellationToken ct) => Run(async () =>
            {
                await using var content = file.OpenReadStream();
                return await editing.CreateItemAsync(ShellViewer.From(p), id, moduleId,
                    new ItemInput(ContentKind.File, title ?? file.FileName, null, null, requirement, null), new FileUpload(file.FileName, content), ct);
            })).Accepts<IFormFile>("multipart/form-data").DisableAntiforgery();
        shells.MapPut("/{id:guid}/modules/{moduleId:guid}/items/order", (Guid id, Guid moduleId, ReorderRequest body, ShellEditing editing,
            ClaimsPrincipal p, CancellationToken ct) => RunNoContent(() => editing.ReorderItemsAsync(ShellViewer.From(p), id, moduleId, body.Order, ct)));
        shells.MapPatch("/{id:guid}/items/{itemId:guid}", (Guid id, Guid itemId, ItemUpdateRequest body, ShellEditing editing, ClaimsPrincipal p,
            CancellationToken ct) => RunNoContent(() => editing.UpdateItemAsync(ShellViewer.From(p), id, itemId,
                new ItemUpdate(body.Title, body.Url, body.Requirement, body.MinScore, body.ClearRequirement), ct)));
        shells.MapDelete("/{id:guid}/items/{itemId:guid}", (Guid id, Guid itemId, ShellEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            RunNoContent(() => editing.DeleteItemAsync(ShellViewer.From(p), id, itemId, ct)));
        shells.MapPost("/{id:guid}/items/{itemId:guid}/publish", (Guid id, Guid itemId, PublishRequest body, ShellEditing editing, ClaimsPrincipal p,
            CancellationToken ct) => Run(async () => await editing.PublishAsync(ShellViewer.From(p), id, itemId, body.Published, body.VersionNo, ct)));
        shells.MapGet("/{id:guid}/items/{itemId:guid}/content", (Guid id, Guid itemId, ContentVersions versions, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => versions.ShownAsync(ShellViewer.From(p), id, itemId, ct)));
        shells.MapGet("/{id:guid}/items/{itemId:guid}/file", FileAsync);

        shells.MapPost("/{id:guid}/items/{itemId:guid}/versions", (Guid id, Guid itemId, VersionRequest body, ShellEditing editing, ContentVersions versions,
            ClaimsPrincipal p, CancellationToken ct) => Run(async () =>
            {
                var created = await editing.CreateVersionAsync(ShellViewer.From(p), id, itemId, body.Body, ct);
                return await versions.GetAsync(ShellViewer.From(p), id, itemId, created.VersionNo, ct);
            }));
        shells.MapGet("/{id:guid}/items/{itemId:guid}/versions", (Guid id, Guid itemId, ContentVersions versions, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => versions.HistoryAsync(ShellViewer.From(p), id, itemId, ct)));
        shells.MapGet("/{id:guid}/items/{itemId:guid}/versions/{versionNo:int}", (Guid id, Guid itemId, int versionNo, ContentVersions versions,
            ClaimsPrincipal p, CancellationToken ct) => Run(() => versions.GetAsync(ShellViewer.From(p), id, itemId, versionNo, ct)));
        shells.MapGet("/{id:guid}/items/{itemId:guid}/diff", (Guid id, Guid itemId, int from, int to, ContentVersions versions, ClaimsPrincipal p,
            CancellationToken ct) => Run(() => versions.DiffAsync(ShellViewer.From(p), id, itemId, from, to, ct)));
        return app;
    }

    static async Task<Results<Ok<PagedList<ShellSummary>>, ValidationProblem>> ListAsync(ShellReading reading, ClaimsPrincipal principal, string? status,
        [AsParameters] PageRequest paging, CancellationToken ct)
    {
        if (paging.Validate(MaxPageSize) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        if (status != null && !ShellStatus.All.Contains(status))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = [$"Status is one of {string.Join(", ", ShellStatus.All)}."] });
        return TypedResults.Ok(await reading.ListAsync(ShellViewer.From(principal), status, paging.Page, paging.Size, ct));
    }

    static async Task<Results<Ok<ShellDetail>, ProblemHttpResult>> GetAsync(Guid id, ShellReading reading, ClaimsPrincipal principal, CancellationToken ct) =>
        await reading.GetAsync(ShellViewer.From(principal), id, ct) is { } detail ? TypedResults.Ok(detail) : Problem(ShellRefusal.NotFound("Course"));

    /// <summary>A file item's bytes, as the type sniffed at upload and as an attachment (never rendered on the district's host).</summary>
    static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> FileAsync(Guid id, Guid itemId, ShellFiles files, ClaimsPrincipal principal,
        CancellationToken ct)
    {
        try
        {
            return await files.OpenAsync(ShellViewer.From(principal), id, itemId, ct) is { } file
                ? TypedResults.File(file.Content, file.ContentType, file.FileName)
                : Problem(ShellRefusal.NotFound("File"));
        }
        catch (ShellRefusal r) { return Problem(r); }
    }

    static ModuleInput Module(ModuleRequest r) => new(r.Title, r.UnlockAt, r.Sequential, r.Completion, r.Prerequisites);

    static ShellSummary Summary(CourseShell s) => new(s.Id, s.Title, s.Description, s.Status, s.SchoolId, [], s.ModuleCount, s.ItemCount,
        s.RequiredItemCount, s.UpdatedAt);
}
