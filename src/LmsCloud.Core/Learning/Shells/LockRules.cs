namespace LmsCloud.Core.Learning.Shells;

/// <summary>A module as the lock rules see it; <see cref="Items"/> in position order, only those a student sees.</summary>
public sealed record LockModule(Guid Id, string Title, int Position, DateTimeOffset? UnlockAt, bool Sequential, string Completion,
    IReadOnlyList<Guid> Prerequisites, IReadOnlyList<LockItem> Items);

public sealed record LockItem(Guid Id, bool Required);

public sealed record LockState(bool Locked, string? Reason, bool Completed);

/// <summary>
/// Whether a student may open each module and item (Canvas's rules): a module is locked before its unlock date and
/// until every prerequisite module is completed; in a sequential module an item is locked until every earlier required
/// item is completed. A module is completed when all (or, for "any", one) of its required items are; a module with no
/// required items counts as completed. Pure: the caller brings the student's completed module items.
/// </summary>
public static class LockRules
{
    public static (Dictionary<Guid, LockState> Modules, Dictionary<Guid, LockState> Items) Evaluate(
        IReadOnlyList<LockModule> modules, IReadOnlySet<Guid> completedItems, DateTimeOffset now)
    {
        var moduleStates = new Dictionary<Guid, LockState>();
        var itemStates = new Dictionary<Guid, LockState>();
        foreach (var m in modules.OrderBy(m => m.Position))
        {
            var required = m.Items.Where(i => i.Required).ToList();
            var done = required.Count(i => completedItems.Contains(i.Id));
            var completed = required.Count == 0 || (m.Completion == "any" ? done > 0 : done == required.Count);

            string? reason = null;
            if (m.UnlockAt is { } at && at > now) reason = $"Unlocks at {at:u}.";
            else if (m.Prerequisites.Where(p => !(moduleStates.TryGetValue(p, out var s) && s.Completed && !s.Locked)).ToList() is { Count: > 0 } open)
                reason = "Complete " + string.Join(", ", open.Select(p => $"\"{modules.First(x => x.Id == p).Title}\"")) + " first.";
            moduleStates[m.Id] = new LockState(reason != null, reason, completed && reason == null);

            var blockedBySequence = false;
            foreach (var item in m.Items)
            {
                var itemDone = completedItems.Contains(item.Id);
                itemStates[item.Id] = reason != null ? new LockState(true, reason, itemDone)
                    : blockedBySequence ? new LockState(true, "Complete the earlier items of this module first.", itemDone)
                    : new LockState(false, null, itemDone);
                if (m.Sequential && item.Required && !itemDone) blockedBySequence = true;
            }
        }
        return (moduleStates, itemStates);
    }
}
