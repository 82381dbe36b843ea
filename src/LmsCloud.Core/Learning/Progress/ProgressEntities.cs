using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LmsCloud.Core.Learning.Progress;

/// <summary>A student's state on one module item (<c>item_progress</c>); written only by <see cref="ProgressRecorder"/>'s SQL.</summary>
public sealed class ItemProgressRow : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid StudentId { get; set; }
    public Guid ModuleItemId { get; set; }
    public Guid ShellId { get; set; }
    public DateTimeOffset? FirstViewedAt { get; set; }
    public int? ViewedVersionNo { get; set; }
    public DateTimeOffset? LastViewedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public int? PositionSeconds { get; set; }
    public DateTimeOffset? PositionAt { get; set; }
    public long TimeSpentSeconds { get; set; }
}

/// <summary>A student's progress through a shell (<c>shell_progress</c>): the stored numerator of completion.</summary>
public sealed class ShellProgressRow : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ShellId { get; set; }
    public Guid StudentId { get; set; }
    public int CompletedRequiredCount { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastActivityAt { get; set; }
}

sealed class ItemProgressConfiguration : IEntityTypeConfiguration<ItemProgressRow>
{
    public void Configure(EntityTypeBuilder<ItemProgressRow> e)
    {
        e.ToTable("item_progress").HasKey(x => new { x.TenantId, x.StudentId, x.ModuleItemId });
        e.Property(x => x.PositionSeconds).HasColumnName("position_s");
        e.Property(x => x.TimeSpentSeconds).HasColumnName("time_spent_s");
    }
}

sealed class ShellProgressConfiguration : IEntityTypeConfiguration<ShellProgressRow>
{
    public void Configure(EntityTypeBuilder<ShellProgressRow> e) => e.ToTable("shell_progress").HasKey(x => new { x.TenantId, x.ShellId, x.StudentId });
}
