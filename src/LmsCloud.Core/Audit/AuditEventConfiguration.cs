using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LmsCloud.Core.Audit;

sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEventRecord>
{
    public void Configure(EntityTypeBuilder<AuditEventRecord> e)
    {
        e.ToTable("audit_events").HasKey(x => new { x.TenantId, x.Seq });
        // json, not jsonb: the chain hashes the stored text, so it must come back exactly as written.
        e.Property(x => x.BeforeValues).HasColumnType("json");
        e.Property(x => x.AfterValues).HasColumnType("json");
    }
}
