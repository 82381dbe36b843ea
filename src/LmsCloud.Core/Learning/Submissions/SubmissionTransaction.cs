using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore.Storage;

namespace LmsCloud.Core.Learning.Submissions;

/// <summary>
/// The transaction of a submission or grade change: a new one, or the caller's when one is open. The API's
/// Idempotency-Key handling opens one first so that the key and its stored response commit with the change (a crash
/// in between leaves neither), and then the service must not commit on its own.
/// </summary>
sealed class SubmissionTransaction(IDbContextTransaction? own) : IAsyncDisposable
{
    public static async Task<SubmissionTransaction> BeginAsync(LmsDbContext db, CancellationToken ct) =>
        new(db.Database.CurrentTransaction == null ? await db.Database.BeginTransactionAsync(ct) : null);

    public Task CommitAsync(CancellationToken ct) => own?.CommitAsync(ct) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => own?.DisposeAsync() ?? ValueTask.CompletedTask;
}
