using System.Security.Claims;
using LmsCloud.Core.Learning.Progress;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Http.HttpResults;
using static LmsCloud.Api.Learning.ShellResults;

namespace LmsCloud.Api.Learning;

public sealed record HeartbeatEvent(Guid? Id, DateTimeOffset? OccurredAt);

/// <summary>One heartbeat (empty body: now), or a buffered batch of events with the client's ids and times.</summary>
public sealed record HeartbeatRequest(IReadOnlyList<HeartbeatEvent>? Events);

public sealed record PositionRequest(int? Seconds);

public sealed record HeartbeatResponse(int Stored);

/// <summary>
/// Progress under <c>/api/shells/{id}</c>: a student's view, mark done, resume position and heartbeats on an item, and the
/// caller's progress (<c>GET /progress</c>: the contract's endpoint). The logic and the role checks are in Core
/// (<see cref="ProgressRecorder"/>): only students write; guardians, teachers and admins read.
/// </summary>
public static class ProgressEndpoints
{
    public static IEndpointRouteBuilder MapProgressEndpoints(this IEndpointRouteBuilder app)
    {
        var shells = app.MapGroup("/api/shells/{id:guid}").WithTags("Progress").RequireAuthorization();
        shells.MapGet("/progress", (Guid id, ProgressRecorder progress, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => progress.ForViewerAsync(ShellViewer.From(p), id, ct)));
        shells.MapPost("/items/{itemId:guid}/view", (Guid id, Guid itemId, ProgressRecorder progress, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => progress.ViewAsync(ShellViewer.From(p), id, itemId, ct)));
        shells.MapPost("/items/{itemId:guid}/done", (Guid id, Guid itemId, ProgressRecorder progress, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => progress.MarkDoneAsync(ShellViewer.From(p), id, itemId, ct)));
        shells.MapPut("/items/{itemId:guid}/position", (Guid id, Guid itemId, PositionRequest body, ProgressRecorder progress, ClaimsPrincipal p,
            CancellationToken ct) => body.Seconds is { } seconds
                ? Run(() => progress.PositionAsync(ShellViewer.From(p), id, itemId, seconds, ct))
                : Run<ItemProgressResponse>(() => throw ShellRefusal.Invalid("seconds", "The position (seconds) is required.")));
        shells.MapPost("/items/{itemId:guid}/heartbeat", (Guid id, Guid itemId, HeartbeatRequest? body, ProgressRecorder progress, TimeProvider clock,
            ClaimsPrincipal p, CancellationToken ct) =>
        {
            var now = clock.GetUtcNow();
            var beats = body?.Events is { Count: > 0 } events ? events.Select(e => (e.Id, e.OccurredAt ?? now)).ToList() : [(null, now)];
            return Run(async () => new HeartbeatResponse(await progress.HeartbeatsAsync(ShellViewer.From(p), id, itemId, beats, now, ct)));
        });
        return app;
    }
}
