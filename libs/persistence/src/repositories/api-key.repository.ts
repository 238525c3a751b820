import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ApiKeyEntity } from '../entities';

@Injectable()
export class ApiKeyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(ApiKeyEntity);
  }

  async insert(
    key: Omit<ApiKeyEntity, 'createdAt' | 'revokedAt'>,
    manager?: EntityManager,
  ): Promise<ApiKeyEntity> {
    const rows = (await this.repo(manager).insert({ ...key, revokedAt: null })).generatedMaps;
    return { ...key, revokedAt: null, createdAt: (rows[0]?.createdAt as Date) ?? new Date() };
  }

  findById(id: string): Promise<ApiKeyEntity | null> {
    return this.repo().findOneBy({ id });
  }

  list(): Promise<ApiKeyEntity[]> {
    return this.repo().find({ order: { createdAt: 'ASC' } });
  }

  // Only an active key can be revoked; returns the revoked key, or null when there was none.
  async revoke(id: string, manager?: EntityManager): Promise<ApiKeyEntity | null> {
    const result = await this.repo(manager)
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    return result.affected ? this.repo(manager).findOneBy({ id }) : null;
  }
}
