using LmsCloud.Core.Audit;

namespace LmsCloud.Core.Compliance.Erasure;

/// <summary>Who erases and why: a compliance request's id or a retention run's id (one of them, or neither for an operator).</summary>
public sealed record ErasureContext(AuditActor Actor, Guid? RequestId, Guid? RetentionRunId, string Reason);

/// <summary>What an erasure did: <see cref="Erased"/> false when refused (a legal hold: <see cref="Withheld"/> names it).</summary>
public sealed record ErasureResult(bool Erased, IReadOnlyList<TableCount> Counts, IReadOnlyList<Withheld> Withheld);

/// <summary>Rows of one table handled by its data map method (delete, anonymise, keep).</summary>
public sealed record TableCount(string Table, string Method, long Rows);

/// <summary>Something kept, and why.</summary>
public sealed record Withheld(string What, string Why);

public sealed class PersonErasure
{
    public Task<ErasureResult> EraseAsync(Guid userId, ErasureContext context, CancellationToken ct = default) =>
        throw new NotImplementedException();
}
