using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LmsCloud.Core.Users;

sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> e)
    {
        e.ToTable("users").HasKey(x => new { x.TenantId, x.Id });
        e.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
        e.HasMany(x => x.Roles).WithOne().HasForeignKey(r => new { r.TenantId, r.UserId });
    }
}

sealed class UserRoleConfiguration : IEntityTypeConfiguration<UserRole>
{
    public void Configure(EntityTypeBuilder<UserRole> e) => e.ToTable("user_roles").HasKey(x => new { x.TenantId, x.UserId, x.Role });
}

sealed class PasswordResetTokenConfiguration : IEntityTypeConfiguration<PasswordResetToken>
{
    public void Configure(EntityTypeBuilder<PasswordResetToken> e) => e.ToTable("password_reset_tokens").HasKey(x => new { x.TenantId, x.Id });
}
