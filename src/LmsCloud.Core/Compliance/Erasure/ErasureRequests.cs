using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Certificates;
using LmsCloud.Core.Compliance.Signing;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Compliance.Erasure;

/// <summary>The outcome of processing one erasure request: its final state, and the certificate when it completed.</summary>
public sealed record ErasureRequestOutcome(Guid RequestId, string State, string? Reason, ErasureResult? Erasure, DeletionCertificate? Certificate);

/// <summary>
/// Processes approved erasure requests (the processing hook of docs/compliance.md): approved → processing →
/// <see cref="PersonErasure"/> → a deletion certificate → <see cref="ComplianceRequests.FinishAsync"/>, which completes the
/// request only when both parts succeeded. A held person fails the request naming the hold, with nothing erased.
/// </summary>
public sealed class ErasureRequests(LmsDbContext db, ComplianceRequests requests, PersonErasure erasure, DeletionCertificates certificates)
{
    /// <summary>Who the processing job says did it.</summary>
    public static readonly AuditActor JobActor = new("system", "erasure-requests");

    /// <summary>The district's approved erasure requests, oldest first.</summary>
    public async Task<IReadOnlyList<Guid>> ApprovedAsync(CancellationToken ct = default) =>
        await db.ComplianceRequests.AsNoTracking()
            .Where(r => r.Type == RequestTypes.Erasure && r.State == RequestStates.Approved)
            .OrderBy(r => r.CreatedAt).Select(r => r.Id).ToListAsync(ct);

    /// <summary>Processes one approved (or failed, retried) erasure request; null when it is not one, or another node took it.</summary>
    public async Task<ErasureRequestOutcome?> ProcessAsync(Guid requestId, AuditActor actor, CancellationToken ct = default)
    {
        var caller = RequestCaller.System(actor);
        var started = await requests.TransitionAsync(requestId, RequestStates.Processing, caller, "Erasing the person.", ct);
        if (started.Request is not { Type: RequestTypes.Erasure, SubjectUserId: { } subject } request) return null;

        var parts = new List<PartOutcome>();
        ErasureResult? erased = null;
        DeletionCertificate? certificate = null;
        try
        {
            erased = await erasure.EraseAsync(subject, new ErasureContext(actor, requestId, null, $"Erasure request {requestId}."), ct);
            parts.Add(erased.Erased
                ? new PartOutcome("erasure", true)
                : new PartOutcome("erasure", false, "Nothing was erased. " + string.Join(" ", erased.Withheld.Select(w => $"{w.What}: {w.Why}"))));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            parts.Add(new PartOutcome("erasure", false, e.Message));
        }
        db.ChangeTracker.Clear(); // the erasure changed rows behind the context's back (a request's text quoting the person)

        if (erased is { Erased: true })
            try
            {
                certificate = await certificates.IssueAsync(new CertificateScope(request.TenantId, requestId, null, subject), erased.Counts, erased.Withheld, ct);
                parts.Add(new PartOutcome("certificate", true));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                parts.Add(new PartOutcome("certificate", false, e.Message));
            }

        var finished = await requests.FinishAsync(requestId, parts, caller, ct);
        return new ErasureRequestOutcome(requestId, finished.Request?.State ?? RequestStates.Failed, finished.Request?.Reason, erased, certificate);
    }
}

public static class ErasureExtensions
{
    /// <summary>Person erasure, erasure requests, deletion certificates and the platform signer.</summary>
    public static IServiceCollection AddErasure(this IServiceCollection services) => services
        .AddScoped<PersonErasure>()
        .AddScoped<ErasureRequests>()
        .AddScoped<DeletionCertificates>()
        .AddSingleton<PlatformSigner>();
}
