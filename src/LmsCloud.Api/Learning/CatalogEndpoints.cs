using System.Security.Claims;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Catalog;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Http.HttpResults;
using static LmsCloud.Api.Learning.ShellResults;

namespace LmsCloud.Api.Learning;

public sealed record BookmarkRequest(bool? Saved);

public sealed record CatalogReconcileRunResponse(Guid Id, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, int ListingsChecked, int Drifted,
    IReadOnlyList<CatalogDrift> Drift);

/// <summary>
/// The course catalog under <c>/api/catalog</c>: search (q, tag, bookmarked, paged), one course, enrol / withdraw,
/// review, bookmark; and for admins the listings they manage, list / change / unlist a shell, and the last reconcile
/// run. The rules and the role checks are in Core (<see cref="CatalogService"/>).
/// </summary>
public static class CatalogEndpoints
{
    public static IEndpointRouteBuilder MapCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        var catalog = app.MapGroup("/api/catalog").WithTags("Catalog").RequireAuthorization();
        catalog.MapGet("/", (string? q, string? tag, bool? bookmarked, int? page, int? pageSize, CatalogService service, ClaimsPrincipal p,
            CancellationToken ct) => Run(() => service.SearchAsync(ShellViewer.From(p), q, tag, bookmarked == true, page ?? 1, pageSize ?? 20, ct)))
            .WithSummary("Search the catalog: courses of the caller's audience, by words (prefixes) and tag.");
        catalog.MapGet("/{id:guid}", (Guid id, CatalogService service, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => service.GetAsync(ShellViewer.From(p), id, ct)));
        catalog.MapPost("/{id:guid}/enrol", (Guid id, CatalogService service, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => service.EnrolAsync(ShellViewer.From(p), id, ct)))
            .WithSummary("Enrol the caller: a seat if one is left, else the waitlist (409 outside the window or without the prerequisite).");
        catalog.MapPost("/{id:guid}/withdraw", (Guid id, CatalogService service, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => service.WithdrawAsync(ShellViewer.From(p), id, ct)))
            .WithSummary("Withdraw the caller; a freed seat goes to the first on the waitlist.");
        catalog.MapPut("/{id:guid}/review", (Guid id, CatalogReviewInput body, CatalogService service, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => service.ReviewAsync(ShellViewer.From(p), id, body, ct)));
        catalog.MapPut("/{id:guid}/bookmark", (Guid id, BookmarkRequest body, CatalogService service, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => service.BookmarkAsync(ShellViewer.From(p), id, body.Saved ?? true, ct)));

        var manage = catalog.MapGroup("/manage");
        manage.MapGet("/", (CatalogService service, ClaimsPrincipal p, CancellationToken ct) => Run(() => service.ManagedAsync(ShellViewer.From(p), ct)));
        manage.MapPut("/{id:guid}", (Guid id, CatalogListingInput body, CatalogService service, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => service.ListAsync(ShellViewer.From(p), id, body, ct)))
            .WithSummary("List a published shell in the catalog, or change its listing (audience, tags, seats, window, prerequisite).");
        manage.MapDelete("/{id:guid}", (Guid id, CatalogService service, ClaimsPrincipal p, CancellationToken ct) =>
            Run(async () => { await service.UnlistAsync(ShellViewer.From(p), id, ct); return new { unlisted = true }; }));
        manage.MapGet("/reconcile", (CatalogService service, ClaimsPrincipal p, CancellationToken ct) => Run(async () =>
        {
            if (!CatalogService.CanManage(ShellViewer.From(p))) throw ShellRefusal.Forbidden("Only district and school admins manage the catalog.");
            return await service.LastReconcileAsync(ct) is { } run
                ? new CatalogReconcileRunResponse(run.Id, run.StartedAt, run.FinishedAt, run.ListingsChecked, run.Drifted, CatalogReconcile.DriftOf(run))
                : throw ShellRefusal.NotFound("Reconcile run");
        }));
        return app;
    }
}
